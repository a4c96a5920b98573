"""How well the trade inference places real DECP records: precision, recall, confusions, before/after.

Reads the labelled set ``tests/data/trade_labels/labels.csv`` (510 real construction records of the
DECP 1.x files, labels read by a person; see its README) and prints, for each split of the set (the
rules were tuned on "tune"; "holdout" was not looked at while tuning; "fresh" was drawn and labelled
after the rules were frozen) and for the whole:

- precision: of the records answered, the share answered rightly;
- recall: of the records whose trade a facilitator names (label other than "none"), the share
  answered rightly; also on the records labelled from the objet alone (``basis = objet``);
- before: the rules shipped before issue 15 (frozen below: their CPV prefixes and keywords, and
  their algorithm), against the new labels (the four trades they lack count as misses);
- after: ``TradeInferrer.from_config`` on the project configuration;
- the most frequent confusions (label → answer) of each;
- coverage: the share of all construction records of the real files in ``../shared/data/decp``
  given a trade (not a measure of rightness; skipped when the folder is absent).

    python bench/bench_trade_inference.py [--labels tests/data/trade_labels/labels.csv]

Aims (issue 15): precision ≥ 95 %, recall ≥ 80 %.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from clauses.config import load_config
from clauses.ingest.trade_inference import TradeInferrer, cpv_digits
from clauses.ingest.trade_labels import LabelledRecord, Score, load_labels, score
from clauses.settings import PROJECT_ROOT
from clauses.text import normalise_key

# The rules before issue 15 (config/trades.yaml and trade_inference.py at commit 08f39f0).
OLD_RULES = [
    ("macon", ["452625", "45262520", "45262522"], ["gros oeuvre", "gros-oeuvre", "maconnerie", "macon"]),
    ("macon_vrd", ["45233", "45236", "4524", "45112500"], ["vrd", "voirie", "chaussee", "chaussees", "enrobe", "enrobes", "trottoir", "trottoirs", "amenagement de surface", "espaces publics", "plateforme tramway"]),
    ("coffreur", ["452623", "45221", "45262310", "45262311"], ["beton arme", "coffrage", "ouvrage d'art", "ouvrages d'art", "genie civil"]),
    ("canalisateur", ["45231", "45232", "45247"], ["canalisation", "canalisations", "assainissement", "reseaux humides", "eau potable", "adduction", "reseau d'eau", "eaux usees", "eaux pluviales"]),
    ("conducteur_engins", ["4511", "45112"], ["terrassement", "terrassements", "demolition", "desamiantage"]),
    ("solier", ["45432"], ["sols souples", "sol souple", "revetements de sols", "revetement de sol", "moquette", "moquettes", "sols pvc", "linoleum"]),
    ("etancheur", ["45261420", "45261410", "4532"], ["etancheite", "etancheur", "isolation thermique", "isolation exterieure", "couverture"]),
    ("facadier", ["45443"], ["facade", "facades", "ravalement", "bardage", "ite"]),
    ("plaquiste", ["45410", "45421146", "45421152"], ["platrerie", "plaquiste", "cloisons", "cloison", "doublage", "faux plafonds", "faux-plafonds", "plafonds suspendus"]),
    ("peintre", ["45442", "4544"], ["peinture", "peintures", "peintre", "revetements muraux"]),
    ("electricien", ["4531"], ["electricite", "electrique", "electriques", "courants forts", "courants faibles", "courant fort", "courant faible", "eclairage public", "cfo", "cfa"]),
    ("plombier", ["4533"], ["plomberie", "sanitaire", "sanitaires", "chauffage", "cvc", "ventilation", "climatisation", "genie climatique"]),
    ("relations_locataires", [], ["relations locataires", "relation locataires", "mediation sociale", "gestion urbaine de proximite"]),
]


def old_infer(cpv_code: str, objet: str) -> str | None:
    """The algorithm before issue 15: one keyword trade; else CPV among several; else longest prefix."""
    cpv = cpv_digits(cpv_code)
    text = normalise_key(objet)
    by_words = [key for key, _p, words in OLD_RULES
                if any(re.search(r"(?<![a-z0-9]){}(?![a-z0-9])".format(re.escape(normalise_key(w))), text) for w in words)]
    prefixes = sorted(((p, key) for key, ps, _w in OLD_RULES for p in ps), key=lambda item: -len(item[0]))
    cpv_trade = next((key for p, key in prefixes if cpv and cpv.startswith(p)), None)
    if len(by_words) == 1:
        return by_words[0]
    if len(by_words) > 1:
        return cpv_trade if cpv_trade in by_words else None
    return cpv_trade


def _line(name: str, part: str, result: Score, objet_recall: float) -> str:
    return (f"{name:<7}{part:<9}{result.records:>8}{result.answered:>9}{result.right:>7}{result.placeable:>10}"
            f"{result.precision:>11.1%}{result.recall:>9.1%}{objet_recall:>14.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=PROJECT_ROOT / "tests" / "data" / "trade_labels" / "labels.csv")
    args = parser.parse_args()
    records = load_labels(args.labels)
    inferrer = TradeInferrer.from_config(load_config())

    def new(record: LabelledRecord) -> str | None:
        trade = inferrer.infer(record.cpv, record.objet).trade
        return trade.key if trade else None

    def old(record: LabelledRecord) -> str | None:
        return old_infer(record.cpv, record.objet)

    halves = {split: [r for r in records if r.split == split] for split in ("tune", "holdout", "fresh")}
    halves["all"] = records
    print(f"{'rules':<7}{'half':<9}{'records':>8}{'answered':>9}{'right':>7}{'placeable':>10}"
          f"{'precision':>11}{'recall':>9}{'recall objet':>14}")
    confusions = {}
    for name, infer in (("before", old), ("after", new)):
        for part, subset in halves.items():
            result = score(subset, infer)
            objet_only = score([r for r in subset if r.basis == "objet"], infer)
            print(_line(name, part, result, objet_only.recall))
        confusions[name] = result.confusions
    old_keys = {key for key, _p, _w in OLD_RULES} | {"none"}
    within = [r for r in records if r.trade in old_keys]
    fair = score(within, old)
    print(f"\nbefore, on the {len(within)} records labelled 'none' or one of its own 13 trades: "
          f"precision {fair.precision:.1%}, recall {fair.recall:.1%}")
    print("aims: precision ≥ 95 %, recall ≥ 80 %")
    for name, counter in confusions.items():
        print(f"\nconfusions {name} (label → answer, all records):")
        for (label, answer), count in counter.most_common(12):
            print(f"  {count:>3}  {label} → {answer}")
    coverage(inferrer)


def coverage(inferrer: TradeInferrer) -> None:
    folder = PROJECT_ROOT.parent / "shared" / "data" / "decp"
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    works = []
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        marches = data.get("marches") if isinstance(data, dict) else None
        if isinstance(marches, list):  # the 1.x files
            works += [(str(m.get("codeCPV") or ""), str(m.get("objet") or "")) for m in marches
                      if isinstance(m, dict) and str(m.get("codeCPV") or "").startswith("45")]
    if not works:
        print("\ncoverage: ../shared/data/decp not found, skipped")
        return
    before = sum(old_infer(cpv, objet) is not None for cpv, objet in works)
    after = sum(inferrer.infer(cpv, objet).trade is not None for cpv, objet in works)
    print(f"\ncoverage of the {len(works)} construction records of the real 1.x files: "
          f"given a trade before {before / len(works):.1%}, after {after / len(works):.1%}")


if __name__ == "__main__":
    main()
