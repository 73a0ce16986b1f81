"""MesoClinic: a practice system for mesotherapy clinics."""
