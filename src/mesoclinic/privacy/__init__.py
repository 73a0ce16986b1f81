"""Patients' rights over their data: export (access, portability), erasure requests under the retention
period (restriction first, erasure when it ends), and photo use for teaching and marketing."""
