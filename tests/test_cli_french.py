"""What a coordinator reads on the command line is French, and an error is one clean message.

Help pages, errors (configuration, input, usage), ``plan show`` and ``plan move`` (what one prints,
the other reads), a closed pipe. The real entry point runs: ``main()`` in this process, or the
installed ``clauses`` program in a subprocess where the terminal itself is what is checked.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from clauses import french
from clauses.cli import CONSOLE_LEVEL, QUIET_CONSOLE, build_parser, main
from clauses.planning.edits import parse_when
from clauses.planning.service import run_planning
from clauses.storage.outreach import Participation
from clauses.storage.planning import Event

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CLAUSES = str(Path(sys.executable).with_name("clauses"))

# Words an English help text cannot do without, and French never uses.
ENGLISH = re.compile(
    r"\b(the|and|of|with|to|from|for|print|file|files|default|this|each|every|only|is|are|usage|optional|"
    r"when|without|which|must|not|error|show this|help message)\b",
    re.IGNORECASE,
)


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command and subcommand, with its parser."""
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _commands(sub, (*path, name))
    return found


def _leaves() -> list[tuple[str, ...]]:
    """A command line for every command that runs something, with its required arguments filled in."""
    lines = []
    for path, parser in _commands(build_parser()):
        if not path or any(isinstance(a, argparse._SubParsersAction) and a.required for a in parser._actions):
            continue
        args = list(path)
        for action in parser._actions:
            if action.option_strings or isinstance(action, argparse._SubParsersAction) or action.nargs in ("?", "*"):
                continue
            args.append(sorted(action.choices)[0] if action.choices else "1" if action.type is int else "lots.csv")
        lines.append(tuple(args))
    return lines


def _prose(text: str) -> str:
    """The help text without what is code: options, paths, quoted commands, choices."""
    text = re.sub(r"«[^»]*»", " ", text)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\S*/\S*|\S+\.(?:yaml|json|py|csv|xlsx)\b", " ", text)
    return re.sub(r"--?[\w-]+", " ", text)


def test_every_help_page_is_french(capsys):
    commands = _commands(build_parser())
    assert len(commands) > 15  # every subcommand, nested ones (plan show, ingest pipeline…) included
    for path, _ in commands:
        with pytest.raises(SystemExit) as exit_:
            main([*path, "--help"])
        assert exit_.value.code == 0
        text = capsys.readouterr().out
        assert text.startswith("utilisation : clauses"), (path, text[:80])
        assert "afficher cette aide et quitter" in text
        english = ENGLISH.findall(_prose(text))
        assert not english, (path, english, text)


def test_usage_errors_are_french(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["forecast", "--as-of", "31/02/2027"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "erreur : argument --as-of : pas une date : « 31/02/2027 »" in err
    with pytest.raises(SystemExit):
        main(["plan", "show", "trois"])
    assert "valeur invalide : 'trois'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["voler"])
    assert "choix invalide : 'voler'" in capsys.readouterr().err


def test_dates_typed_on_the_command_line_read_french_forms():
    args = build_parser().parse_args(["forecast", "--as-of", "07/12/2026"])
    assert args.as_of == dt.date(2026, 12, 7)
    args = build_parser().parse_args(["plan", "--start", "2027-01-04"])
    assert args.start == dt.date(2027, 1, 4)


@pytest.fixture
def config_with(tmp_path):
    """A copy of the configuration folder with one mistake in it."""

    def make(file: str, old: str, new: str) -> Path:
        folder = tmp_path / "config"
        shutil.copytree(PROJECT_ROOT / "config", folder)
        path = folder / file
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return folder

    return make


MISTAKES = [
    # (file, text, replacement, what the message must say)
    ("trades.yaml", "labour_share: 0.50", "labour_share: 2.5",
     ["trades.yaml : trades[0].labour_share : doit être inférieur ou égal à 1 (valeur lue : 2.5)"]),
    ("territory.yaml", "timezone:", "timezone: [Europe/Paris\nx:",
     ["territory.yaml : YAML invalide (ligne"]),
    ("outreach.yaml", "\n", "\nmax_mesages_per_week: 2\n",
     ["outreach.yaml : max_mesages_per_week : clé inconnue"]),
]


@pytest.mark.parametrize("file, old, new, said", MISTAKES, ids=["value", "yaml", "unknown-key"])
def test_a_configuration_mistake_stops_every_command_with_exit_2(database_url, config_with, monkeypatch, capsys, file, old, new, said):
    monkeypatch.setenv("CLAUSES_CONFIG_DIR", str(config_with(file, old, new)))
    leaves = _leaves()
    assert {("plan", "show"), ("forecast",), ("ingest", "pipeline", "lots.csv"), ("demo",), ("serve",)} <= set(leaves)
    for argv in leaves:
        assert main(list(argv)) == 2, argv
        captured = capsys.readouterr()
        assert captured.out == "", argv
        assert captured.err.startswith("erreur : "), (argv, captured.err)
        assert all(s in captured.err for s in said), (argv, captured.err)
        assert "Traceback" not in captured.err


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_LOGGING")}
    env.update(extra)
    return env


def test_the_program_prints_one_french_line_for_a_configuration_mistake(database_url, config_with):
    folder = config_with("trades.yaml", "labour_share: 0.50", "labour_share: 2.5")
    done = subprocess.run([CLAUSES, "forecast"], capture_output=True, text=True, timeout=120,
                          env=_env(CLAUSES_CONFIG_DIR=str(folder)))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "erreur : configuration invalide :",
        f"  {folder / 'trades.yaml'} : trades[0].labour_share : doit être inférieur ou égal à 1 (valeur lue : 2.5)",
    ]


def test_an_input_error_inside_a_flow_is_one_clean_message(database_url, prefect_harness, tmp_path):
    from prefect.settings import PREFECT_API_URL

    done = subprocess.run([CLAUSES, "ingest", "pipeline", str(tmp_path / "absent.csv")], capture_output=True,
                          text=True, timeout=300, env=_env(PREFECT_API_URL=PREFECT_API_URL.value()))
    assert done.returncode == 2, done.stderr
    assert done.stderr == "erreur : 1 problème, rien n'a été modifié :\n  absent.csv : fichier introuvable\n"
    assert done.stdout == ""


# What the temporary Prefect server logged as the demo ended, after « Démo terminée » and its summary.
_SERVER_SHUTDOWN_ERROR = (
    "import logging\n"
    "from prefect.logging.configuration import setup_logging\n"
    "setup_logging()\n"
    "logging.getLogger('sqlalchemy.pool.impl.AsyncAdaptedQueuePool').error('Exception during reset or similar')\n"
)


@pytest.mark.parametrize("level, shown", [("ERROR", True), (QUIET_CONSOLE[CONSOLE_LEVEL], False)])
def test_prefect_errors_stay_off_a_commands_terminal(level, shown):
    # The temporary server a command starts sets up Prefect's logging from the command's environment.
    done = subprocess.run([sys.executable, "-c", _SERVER_SHUTDOWN_ERROR], capture_output=True, text=True,
                          timeout=120, env=_env(**{CONSOLE_LEVEL: level}))
    assert done.returncode == 0, done.stderr
    assert ("Exception during reset" in done.stderr) is shown, done.stderr


def test_a_closed_pipe_ends_quietly(database_url):
    # The reader is gone before the program writes (as `clauses plan show | head` once head has
    # its lines): no BrokenPipeError traceback, the shell's exit code for SIGPIPE.
    process = subprocess.Popen([CLAUSES, "plan", "show"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141
    assert err == ""


# --- plan show and plan move ----------------------------------------------------------------------------


def test_plan_show_prints_what_a_coordinator_reads(db, config, capsys):
    need = pd.DataFrame([("macon", dt.date(2027, 8, 2), 6.0)], columns=["trade_key", "week_start", "people"])
    with db.transaction() as session:
        plan, _ = run_planning(session, config, need, start=dt.date(2027, 1, 4), weeks=52, time_limit=10)
        events = sorted(plan.events, key=lambda e: (e.start, e.id))
        first = events[0]
        from tests.outreach_data import candidate

        for n, status in enumerate(("invited", "registered", "attended", "declined")):
            session.add(Participation(candidate_id=candidate(session, n).id, event_id=first.id, status=status))
        plan_id = plan.id
        shown = [(e.id, e.start, e.kind) for e in events]
        cohort = next(e for e in events if e.kind == "poec")
        recruitment = cohort.hiring_event
    assert main(["plan", "show", str(plan_id)]) == 0
    out = capsys.readouterr().out
    # The chain's links name the event linked to and its day, not a bare number.
    assert f"recrute pour la POEC n° {cohort.id} ({french.date_long(cohort.start)})" in out
    assert (f"candidats reçus à la rencontre de recrutement n° {recruitment.id} "
            f"({french.date_long(recruitment.start)})") in out
    assert "l'événement n°" not in out
    assert out.startswith(f"Plan n° {plan_id} : brouillon\n")
    for event_id, start, kind in shown:
        # maçon's chain: information session, discovery, POEC, recruitment event
        assert f"n° {event_id} · {french.datetime_listed(start)} · {french.EVENT_KIND_LABELS[kind]} Maçon" in out
    partner = {p.key: p.name for p in config.partners}[first.partner_key]
    venue = {v.key: v.name for _, v in config.venues()}[first.venue_key]
    assert f"partenaire : {partner} · lieu : {venue}" in out
    # A cohort of several weeks says when it ends; an event of one day does not.
    assert f"  jusqu'au {french.datetime_long(cohort.end)} · partenaire : " in out
    assert out.count("jusqu'au ") == sum(kind == "poec" for _, _, kind in shown)
    assert f"{first.capacity} places · invités 4, inscrits 2, présents 1" in out
    assert "invités 0, inscrits 0, présents 0" in out  # the other events
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}|[{}]|\bmacon\b|discovery", out), out

    assert main(["plan", "show"]) == 0
    assert f"Plan n° {plan_id} : brouillon, {len(shown)} événements (solveur : " in capsys.readouterr().out



def test_a_new_draft_is_told_in_french(config):
    """What ``clauses plan`` prints after planning: no Python value (a dict, None) reaches the
    coordinator (the run printed "écart None" and "événements : {'recruitment': 1}")."""
    from clauses.cli.plan import draft_lines

    result = {"plan_id": 3, "status": "FEASIBLE", "gap": None, "need": 63, "on_time": 24, "upper_bound": 28,
              "events": {"recruitment": 1}, "uncovered": [], "gantt": "var/plans/plan-3.png"}
    lines = draft_lines(result, config)
    assert lines[:3] == ["solveur : réalisable", "personnes à former 63, formées à temps 24 (au mieux 28)",
                         "nouveaux événements : 1 rencontre de recrutement"]
    lines = draft_lines({**result, "status": "OPTIMAL", "gap": 0.128,
                         "events": {"recruitment": 2, "poec": 2, "discovery": 4, "information_session": 1}}, config)
    assert lines[0] == "solveur : optimal, écart à la borne 12,8 %"
    assert lines[2] == ("nouveaux événements : 1 réunion d'information, 4 découvertes métiers, 2 POEC, "
                        "2 rencontres de recrutement")
    assert not re.search(r"None|[{}]|recruitment", "\n".join(lines))
    late = {"trade_key": "macon", "not_on_time": 7, "late": 7, "uncovered": 0, "explanation": "7 : délai trop court"}
    assert draft_lines({**result, "uncovered": [late]}, config)[3] == (
        "Maçon : 7 pas à temps, dont 7 formées en retard et 0 non couverte – 7 : délai trop court"
    )

def test_plan_move_reads_what_plan_show_prints(db, config, capsys):
    # Two needs months apart: two cohorts, each with its discovery.
    need = pd.DataFrame([("macon", dt.date(2027, 5, 3), 6.0), ("macon", dt.date(2027, 11, 1), 6.0)],
                        columns=["trade_key", "week_start", "people"])
    with db.transaction() as session:
        plan, _ = run_planning(session, config, need, start=dt.date(2027, 1, 4), weeks=52, time_limit=10)
        plan_id = plan.id
        discoveries = sorted((e for e in plan.events if e.kind == "discovery"), key=lambda e: e.start)
        assert len({e.start for e in discoveries}) >= 2, "two discoveries at different times are needed"
        moved, model = discoveries[0].id, discoveries[-1].id
    assert main(["plan", "show", str(plan_id)]) == 0
    out = capsys.readouterr().out
    printed = re.search(rf"n° {model} · ([^·]+) · ", out).group(1).strip()
    assert main(["plan", "move", str(moved), "--start", printed]) == 0
    assert f"début : " in capsys.readouterr().out
    with db.transaction() as session:
        assert session.get(Event, moved).start == session.get(Event, model).start
    # dd/mm/yyyy hh:mm and ISO too
    assert main(["plan", "move", str(moved), "--start", "07/12/2027 14:30"]) == 0
    assert main(["plan", "move", str(moved), "--start", "2027-12-08T09:15"]) == 0
    out = capsys.readouterr().out
    assert "début : mardi 7 décembre 2027, 14 h 30 → mercredi 8 décembre 2027, 9 h 15" in out


def test_every_printed_moment_reads_back_as_the_same_moment():
    # Every day of a year (first days of months, both clock changes) at morning and afternoon hours.
    day = dt.date(2027, 1, 1)
    while day.year == 2027:
        for hour, minute in ((9, 0), (13, 30), (17, 45)):
            moment = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=french.PARIS)
            text = french.datetime_listed(moment)
            assert parse_when(text) == moment, text
        day += dt.timedelta(days=1)
    assert french.datetime_listed(dt.datetime(2027, 3, 1, 8, 0, tzinfo=dt.timezone.utc)) == "lundi 1er mars 2027, 9 h 00"
    assert french.datetime_listed(dt.datetime(2026, 12, 7, 8, 0)) == "lundi 7 décembre 2026, 9 h 00"  # naive is UTC


def test_known_messages_are_french(db, capsys):
    assert main(["plan", "approve", "999"]) == 2
    assert capsys.readouterr().err == "erreur : le plan n° 999 n'existe pas (« clauses plan show » liste les plans)\n"
    assert main(["plan", "move", "999", "--capacity", "3"]) == 2
    assert "erreur : l'événement n° 999 n'existe pas" in capsys.readouterr().err
    assert main(["plan", "move", "1"]) == 2
    assert capsys.readouterr().err == "erreur : rien à modifier : donner --start, --end, --venue et/ou --capacity\n"
    with db.transaction() as session:
        assert session.scalars(select(Event)).all() == []


def test_demo_web_answers_say_the_waiting_list_with_the_yes():
    # « 16 oui » for 15 places read as an overbooked event: the line says who went on the waiting
    # list and where the event stands at the end.
    from clauses.cli.demo import describe

    answers = {"answers": 18, "event_id": 35, "capacity": 15, "yes": 16, "no": 2, "waitlisted": 1, "offers": 1,
               "unsubscribed": 1, "statuses": {"registered": 14, "offered": 1, "declined": 2, "invited": 15}}
    line = next(line for line in describe({"web_answers": answers}) if line.startswith("réponses par le web"))
    assert "16 « Je viens » (dont 1 mis en liste d'attente, l'événement étant complet)" in line
    assert "(1 place libérée proposée au premier en attente), 1 désinscription en un clic" in line
    assert "à la fin : 14 inscrits, 1 place proposée en attente de réponse, 0 en liste d'attente, 2 refus" in line
    assert " oui," not in line
    # Nobody on the waiting list: the event is not said to be full.
    quiet = describe({"web_answers": {**answers, "yes": 3, "waitlisted": 0, "offers": 0}})
    quiet_line = next(line for line in quiet if line.startswith("réponses"))
    assert "3 « Je viens », 2 « Je ne peux pas venir », 1 désinscription en un clic" in quiet_line
    # Several of each: the plural, without « (s) ».
    busy = describe({"web_answers": {**answers, "offers": 2, "unsubscribed": 3,
                                     "statuses": {"registered": 1, "offered": 2, "declined": 0}}})
    busy_line = next(line for line in busy if line.startswith("réponses"))
    assert "(2 places libérées proposées au premier en attente), 3 désinscriptions en un clic" in busy_line
    assert "à la fin : 1 inscrit, 2 places proposées en attente de réponse" in busy_line and "(s)" not in busy_line


def test_demo_summary_counts_agree_in_number():
    from clauses.cli.demo import describe

    lines = describe({
        "ingest_pipeline": [{"created": 168, "unchanged": 0, "rejected": 1}],
        "import_candidates": {"created": 300, "updated": 1},
        "send_invitations": {"planned": {"invitation": 1}, "sent": 0},
        "send_followups": {"planned": {"reminder": 26, "held_by_cap": 10}, "sent": 26, "skipped": 0, "failed": 0,
                           "weekly_cap": 3},
        "apply_retention": {"candidates_examined": 300, "candidates_inactive": 0, "inactive_months": 24},
    })
    assert "chantiers : 168 lots créés, 0 inchangé, 1 refusé" in lines
    assert "candidats : 300 créés, 1 fusionné ou mis à jour" in lines
    assert "invitations : 1 prévue, 0 envoyée" in lines
    # The messages held by the weekly cap are said apart (the demo said « 36 prévues, 26 envoyées »).
    assert "relances : 26 prévues, 26 envoyées ; 10 messages reportés : pas plus de 3 e-mails par personne et par semaine" in lines
    unsent = describe({"send_followups": {"planned": {"reminder": 5}, "sent": 2, "skipped": 1, "failed": 2}})
    assert ("relances : 5 prévues, 2 envoyées, 1 non envoyée (personne injoignable ou événement annulé), "
            "2 refusées par le prestataire d'e-mail") in unsent
    assert "conservation des données (simulation) : 300 candidats examinés, 0 inactif depuis 24 mois" in lines


def test_a_summary_leaves_no_trailing_spaces():
    from clauses.cli.summary import Summary

    # `clauses report` separates its figures from its files by an empty line, which was two spaces.
    assert Summary("Bilan écrit", lines=["invités 3", "", "html : bilan.html"]).text() == "Bilan écrit\n  invités 3\n\n  html : bilan.html"
