"""What the staff of many clinics do all day, as locust's virtual users (the load benchmark, issue 20 item 3).

Run by ``benchmarks/bench_load.py`` (which builds the clinics, starts gunicorn and the worker and reads the
results); it can also be run by hand against any MesoClinic with generated clinics::

    LOAD_CLINICS=load-001,load-002 .venv/bin/locust -f benchmarks/load/locustfile.py --headless \\
        -u 40 -r 4 -t 2m --host http://127.0.0.1:8000

Each virtual user is one person of one clinic (``LOAD_CLINICS``, made by ``mesoclinic generate_load_data``,
whose staff share the password ``LOAD_PASSWORD``), signed in once, clicking with a person's pace between
clicks (``wait_time``). The mix, per clinic, is a day at the desk as the product's screens are used:

* a **receptionist** (weight 4, a click every 3-12 s): Today most often, the day's calendar, a patient search,
  a chart, the series planner's proposal for a patient, and now and then booking it (a write that every other
  process's availability index must learn about);
* a **practitioner** (weight 3, every 5-20 s): Today, the chart of the next patient, the day's calendar;
* an **owner** (weight 1, every 10-30 s): the reports (recalls due, outcomes, adherence), stock, the audit log.

Every response's ``Server-Timing`` (``SERVER_TIMING=true`` on the server) is read and reported as extra
requests named ``[db] …`` and ``[cpu] …`` (their "response time" is the server's database or CPU time), so
that the benchmark can say what each endpoint costs the server beside what the client waited.
"""

from __future__ import annotations

import os
import random
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from locust import HttpUser, between, events, task

CLINICS = [slug for slug in os.environ.get("LOAD_CLINICS", "").split(",") if slug]
PASSWORD = os.environ.get("LOAD_PASSWORD", "load-data-only")
DAY = os.environ.get("LOAD_DAY") or datetime.now(UTC).date().isoformat()  # the day the calendar shows
TIMING = re.compile(r"(\w+);dur=([\d.]+)")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _server_timing(response: Any, name: str) -> None:
    header = response.headers.get("Server-Timing", "")
    for metric, value in TIMING.findall(header):
        if metric in {"db", "cpu"}:
            events.request.fire(
                request_type=metric.upper(),
                name=f"[{metric}] {name}",
                response_time=float(value),
                response_length=0,
                exception=None,
                context={},
            )


class ClinicUser(HttpUser):
    abstract = True
    username_part = ""

    def on_start(self) -> None:
        self.clinic = random.choice(CLINICS)
        self.location, self.patients, self.protocols = 0, [], []
        for _ in range(3):  # a sign-in cut off by the benchmark's kill is made again, as a person would
            if self._sign_in():
                break
        else:
            return
        self.location = self.get("/api/v1/scheduling/locations", "API locations").json()[0]["id"]
        offset = random.randint(0, 200)
        patients = self.get(f"/api/v1/patients?limit=50&offset={offset}", "API patients").json()
        self.patients = [p["id"] for p in patients.get("items", [])]
        self.protocols = [p["slug"] for p in self.get("/api/v1/catalog/protocols", "API protocols").json()]

    def _sign_in(self) -> bool:
        page = self.client.get("/accounts/login/", name="sign-in page")
        token = CSRF.search(page.text)
        self.client.post(
            "/accounts/login/",
            data={
                "login": self._staff_username(self.clinic, self.username_part),
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            name="sign in",
            allow_redirects=False,
        )
        self.headers = {"X-CSRFToken": self.client.cookies.get("csrftoken", "")}
        return "sessionid" in self.client.cookies

    @staticmethod
    def _staff_username(clinic: str, part: str) -> str:
        # generate_load_data numbers a clinic's staff in order: the owner 000, then per location a
        # receptionist (001), a physician (002) and the practitioners (003…): the first location's are used.
        number = {"owne": 0, "rece": 1, "phys": 2, "prac": 3}[part]
        return f"{clinic}-{part}{number:03d}"

    def get(self, url: str, name: str) -> Any:
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            _server_timing(response, name)
            return response

    def post_json(self, url: str, body: dict[str, Any], name: str, ok: tuple[int, ...]) -> Any:
        with self.client.post(
            url, json=body, headers=self.headers, name=name, catch_response=True
        ) as response:
            if response.status_code not in ok:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
            else:
                response.success()
            _server_timing(response, name)
            return response

    def chart(self) -> None:
        if self.patients:
            self.get(f"/patients/{random.choice(self.patients)}/", "chart")

    def calendar_day(self) -> None:
        self.get(f"/schedule/?location={self.location}&date={DAY}&view=day", "calendar day")


class Receptionist(ClinicUser):
    weight = 4
    wait_time = between(3, 12)
    username_part = "rece"

    @task(5)
    def today(self) -> None:
        self.get("/", "Today")

    @task(3)
    def calendar(self) -> None:
        self.calendar_day()

    @task(3)
    def search(self) -> None:
        self.get(f"/patients/?q={random.choice(['kow', 'nowak', 'anna', 'wis', 'zie'])}", "patient search")

    @task(3)
    def patient_chart(self) -> None:
        self.chart()

    @task(3)
    def plan_and_sometimes_book(self) -> None:
        if not (self.patients and self.protocols):
            return
        patient = random.choice(self.patients)
        protocol = random.choice(self.protocols)
        earliest = f"{date.fromisoformat(DAY) + timedelta(days=random.randint(1, 30))}T08:00:00+01:00"
        proposal = self.post_json(
            "/api/v1/scheduling/series/proposal",
            {"patient_id": patient, "protocol": protocol, "location_id": self.location, "earliest": earliest},
            "API series proposal",
            (200,),
        )
        if proposal.status_code != 200 or random.random() > 0.3:  # a third of the proposals are booked
            return
        body = proposal.json()
        if not body["feasible"] or body["screening"]["decision"] in {"block", "history_needed"}:
            return
        sessions = [
            {k: s[k] for k in ("start", "practitioner_id", "room_id", "device_id")} for s in body["sessions"]
        ]
        # 409: taken meanwhile by another receptionist (the database refuses a double booking): a real answer.
        self.post_json(
            "/api/v1/scheduling/series",
            {"patient_id": patient, "protocol": protocol, "location_id": self.location, "sessions": sessions},
            "API book series",
            (201, 409),
        )


class Practitioner(ClinicUser):
    weight = 3
    wait_time = between(5, 20)
    username_part = "prac"

    @task(3)
    def today(self) -> None:
        self.get("/", "Today")

    @task(3)
    def patient_chart(self) -> None:
        self.chart()

    @task(1)
    def calendar(self) -> None:
        self.calendar_day()


class Owner(ClinicUser):
    weight = 1
    wait_time = between(10, 30)
    username_part = "owne"

    @task(2)
    def recalls(self) -> None:
        self.get("/reports/recalls/", "recalls due")

    @task(1)
    def outcomes(self) -> None:
        self.get("/reports/outcomes/", "outcomes report")

    @task(1)
    def adherence(self) -> None:
        self.get("/reports/adherence/", "adherence report")

    @task(2)
    def stock(self) -> None:
        self.get("/inventory/", "inventory lots")

    @task(1)
    def audit(self) -> None:
        self.get("/audit/", "audit log")
