"""The clinic's shared clinical language: the coded vocabulary of a medical history, and calendar rules.

A pure leaf: no Django and no other part of MesoClinic (an import contract keeps it so). Both the chart
(``patients``) and the screening core (``safety.rules``) use it, so that they agree on every code and on
how old a patient is; booking and reports use its month arithmetic (maintenance recalls, washouts).
"""
