"""FHIR R4 (R4B models) mapping of MesoClinic's records, Bundles and the Patient import.

The mapping itself imports no Django: it reads attributes of the records it is given, so it is tested on
plain objects as well as on the demo clinic.
"""
