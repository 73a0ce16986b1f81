"""Bookable resources besides people: treatment rooms and needle-free devices.

Opening hours, practitioners' hours, appointments and the series planner come with the scheduling work.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Room(models.Model):
    """A treatment room at a location, and the modalities it is equipped for."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(max_length=100)
    modalities = models.JSONField(
        default=list, blank=True, help_text=_("Modality codes allowed in this room.")
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["location", "name"], name="room_name_unique_at_location")
        ]
        ordering = ["location__name", "name"]

    def __str__(self) -> str:
        return self.name


class Device(models.Model):
    """A needle-free device (electroporation, sonophoresis...) that a session books like a room."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="devices")
    name = models.CharField(max_length=100)
    modality = models.CharField(max_length=40, help_text=_("Modality code this device delivers."))
    manufacturer = models.CharField(max_length=200, blank=True)
    model_name = models.CharField(_("model"), max_length=200, blank=True)
    serial_number = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["location", "name"], name="device_name_unique_at_location")
        ]
        ordering = ["location__name", "name"]

    def __str__(self) -> str:
        return self.name
