"""Shared pieces of the configuration models: strict models and YAML loading with clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from clauses.errors import ClausesError

M = TypeVar("M", bound=BaseModel)


class ConfigError(ClausesError, ValueError):
    """A configuration file is missing, unreadable or invalid. The message names the file and key
    (in French: the coordinator reads it). Exit code 2 like every error the user can fix."""


# pydantic's reasons, as a coordinator reads them (``{…}`` are pydantic's context values).
REASONS_FR = {
    "missing": "valeur obligatoire manquante",
    "extra_forbidden": "clé inconnue (faute de frappe ?)",
    "less_than_equal": "doit être inférieur ou égal à {le}",
    "less_than": "doit être inférieur à {lt}",
    "greater_than_equal": "doit être supérieur ou égal à {ge}",
    "greater_than": "doit être supérieur à {gt}",
    "int_parsing": "nombre entier attendu",
    "int_type": "nombre entier attendu",
    "int_from_float": "nombre entier attendu",
    "float_parsing": "nombre attendu",
    "float_type": "nombre attendu",
    "bool_parsing": "oui/non attendu (true ou false)",
    "bool_type": "oui/non attendu (true ou false)",
    "string_type": "texte attendu",
    "string_too_short": "texte trop court (au moins {min_length} caractère(s))",
    "string_too_long": "texte trop long (au plus {max_length} caractères)",
    "string_pattern_mismatch": "format invalide (attendu : {pattern})",
    "too_short": "trop peu d'éléments (au moins {min_length})",
    "too_long": "trop d'éléments (au plus {max_length})",
    "list_type": "liste attendue",
    "dict_type": "dictionnaire (clé: valeur) attendu",
    "model_type": "dictionnaire (clé: valeur) attendu",
    "model_attributes_type": "dictionnaire (clé: valeur) attendu",
    "literal_error": "valeur non prévue (valeurs possibles : {expected})",
    "enum": "valeur non prévue (valeurs possibles : {expected})",
    "date_parsing": "date attendue (AAAA-MM-JJ)",
    "date_type": "date attendue (AAAA-MM-JJ)",
    "date_from_datetime_parsing": "date attendue (AAAA-MM-JJ)",
    "time_parsing": "heure attendue (HH:MM)",
    "time_type": "heure attendue (HH:MM)",
    "datetime_parsing": "date et heure attendues (AAAA-MM-JJTHH:MM)",
    "url_parsing": "adresse web invalide",
    "value_error": "{error}",
    "assertion_error": "{error}",
}


def reason_fr(error: dict) -> str:
    """One pydantic error's reason in French (its English message when the type is not listed)."""
    template = REASONS_FR.get(error.get("type", ""))
    if template is None:
        return error["msg"]
    context = {k: _shown(v) for k, v in (error.get("ctx") or {}).items()}
    if "expected" in context:  # pydantic lists the values "'a', 'b' or 'c'"
        context["expected"] = context["expected"].replace("' or '", "' ou '")
    try:
        return template.format(**context)
    except KeyError:
        return error["msg"]


class StrictModel(BaseModel):
    """Unknown keys are errors: a typo in a YAML file must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _format_location(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(racine du fichier)"


def load_yaml_model(path: Path, model: type[M]) -> M:
    """Read ``path`` and validate it as ``model``; every problem names the file and the key."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path} : fichier de configuration introuvable") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} : YAML invalide{_yaml_place(exc)}") from exc
    try:
        return model.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        lines = [
            f"{path} : {_format_location(tuple(err['loc']))} : {reason_fr(err)}{_read(err)}" for err in exc.errors()
        ]
        raise ConfigError("configuration invalide :\n  " + "\n  ".join(lines)) from exc


def _shown(value: Any) -> str:
    """A number as written in French (1, 0,5); anything else as it is."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value).replace(".", ",")
    return str(value)


def _read(error: dict) -> str:
    """' (valeur lue : 2.5)' for a wrong single value."""
    value = error.get("input")
    if error["type"] in ("missing", "extra_forbidden") or not isinstance(value, (str, int, float, bool)):
        return ""
    return f" (valeur lue : {value!r})"


def _yaml_place(exc: yaml.YAMLError) -> str:
    """' (ligne 4, colonne 7 : …)' from the YAML parser's mark and problem."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if mark is None:
        return f" : {exc}"
    where = f"ligne {mark.line + 1}, colonne {mark.column + 1}"
    return f" ({where}{' : ' + problem if problem else ''})"
