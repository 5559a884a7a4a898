"""Crash consistency of `enrich digest --send`: killed (SIGKILL) at random moments while it
sends, then run again to completion, every recipient has exactly one digest.

The truth is the SMTP server's log of the messages it accepted. A digest handed to the server
when the kill came is "possibly sent" on the re-run: reported, never sent again (no `--resend`
here), and counted as received when the server has it.

The killed runs are processes forked from a server that has imported enrich already (the
multiprocessing forkserver): each runs `enrich.cli.main` as `python -m enrich` would, without
paying a second of imports every time.
"""

import json
import multiprocessing
import random
import signal
import sqlite3
import time
from collections import Counter

import pytest
from conftest import seed_row, write_jsonl
from smtp_server import Mailbox, running_smtp

from enrich.cli import main
from enrich.errors import ExitStatus

LEADS = [f"lead{i}@corp.test" for i in range(5)]
#: the org chart in JSON, which loads faster than YAML: the test runs enrich twenty times
ORG = {"units": [{"id": f"u{i}", "name": f"Unit {i}", "lead": {"name": f"Lead {i}",
                                                              "email": address}}
                 for i, address in enumerate(LEADS)],
       "people": [{"id": f"p{i}", "name": f"Person {i}", "unit": f"u{i}", "github": f"p{i}",
                   "seat": True} for i in range(len(LEADS))]}
KILLS = 10
#: seconds the server takes to say it accepted a message: a kill often falls in between
DATA_DELAY = 0.03


@pytest.fixture
def company(tmp_path, run_cli):
    (tmp_path / "org.json").write_text(json.dumps(ORG))
    write_jsonl(tmp_path / "inbox" / "mar.jsonl",
                [seed_row("2025-03-12", f"p{i}", 100 + i, "code_completion") for i in range(3)])
    (tmp_path / "enrich.yaml").write_text(
        "directory:\n  sources:\n    - {type: yaml, path: org.json}\n")
    config = tmp_path / "enrich.yaml"
    imported = run_cli("import", "--config", config, "--covers", "2025-03-01..2025-03-31",
                       tmp_path / "inbox")
    assert imported.status == 0, imported.stderr
    return tmp_path


def test_11_6_digest_send_killed_at_random_moments_delivers_each_digest_once(company,
                                                                             run_cli):
    config = company / "enrich.yaml"
    command = ["digest", "--config", str(config), "--month", "2025-03", "--send", "--quiet"]
    forked = multiprocessing.get_context("forkserver")
    forked.set_forkserver_preload(["enrich.cli"])
    rng = random.Random(611)
    mailbox = Mailbox(data_delay=DATA_DELAY)
    with running_smtp(mailbox) as server:
        config.write_text(
            config.read_text() + "digest:\n  from: Copilot team <copilot@corp.test>\n"
            "  allowed_domains: [corp.test]\n  rate_per_minute: 6000\n"
            f"  smtp: {{host: {server.host}, port: {server.port}, security: none}}\n")
        interrupted = 0
        for _ in range(KILLS):
            forget_every_digest(company / "enrich.db", mailbox)
            # the kill comes while the server holds, or has just answered, a random message
            # well before the last: the run has more to send
            status = kill_after(forked.Process(target=main, args=(command,)), mailbox,
                                accepted=rng.randrange(1, len(LEADS) - 1),
                                pause=rng.uniform(0, 1.5 * DATA_DELAY))
            interrupted += status == -signal.SIGKILL
            before = Counter(mailbox.recipients)
            rerun = run_cli(*command)
            possibly = {line.split(": ")[1] for line in rerun.stderr.splitlines()
                        if line.startswith("possibly sent: ")}
            received = Counter(mailbox.recipients)
            # possibly sent: reported, and not sent again; it counts when the server has it
            assert rerun.status == (ExitStatus.PARTIAL_DATA if possibly else ExitStatus.OK)
            assert all(received[lead] == before[lead] <= 1 for lead in possibly)
            assert {lead for lead in LEADS if received[lead] != 1} <= possibly
            assert max(received.values()) == 1
            assert set(received) == set(LEADS) - {lead for lead in possibly if not before[lead]}
    # the kills came mid-run (a run on a busy machine may finish first now and then)
    assert interrupted > KILLS // 2


def forget_every_digest(store, mailbox: Mailbox) -> None:
    """A new start: the ledger and the server's log empty."""
    with sqlite3.connect(store) as db:
        db.execute("DELETE FROM digest_ledger")
    db.close()
    mailbox.received.clear()


def kill_after(process, mailbox: Mailbox, *, accepted: int, pause: float) -> int:
    """Start `process`, and kill it (SIGKILL) `pause` seconds after the server accepted its
    message number `accepted`; returns its exit status."""
    process.start()
    deadline = time.monotonic() + 30
    while len(mailbox.received) < accepted and process.is_alive():
        assert time.monotonic() < deadline, "the server did not get the messages"
        time.sleep(0.005)
    time.sleep(pause)
    process.kill()
    process.join()
    status = process.exitcode
    process.close()
    return status
