"""Events the patients app emits for higher layers to react to (it never imports them).

``medical_history_changed`` is sent inside the transaction that saved a new version of a medical history,
so a receiver's writes (scheduling re-screens the patient's future appointments) commit or roll back with
it. Arguments: ``patient``, ``before`` and ``after`` (the history's PATIENT.json form as it was and as
it is now, for screening) and ``actor``.
"""

from __future__ import annotations

from django.dispatch import Signal

medical_history_changed = Signal()
