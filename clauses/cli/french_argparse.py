"""argparse in French: the words argparse writes itself ("usage:", "options", "invalid choice"…)
in help pages and usage errors, so that a coordinator reads French from the first ``--help``.

argparse looks its messages up through the module's ``_`` (gettext) at the moment it writes them;
the command line's parser class points it to this table (messages it does not know stay as they are).
"""

from __future__ import annotations

import argparse
import gettext

FRENCH = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "optional arguments": "options",
    "show this help message and exit": "afficher cette aide et quitter",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "unrecognized arguments: %s": "arguments inconnus : %s",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "one of the arguments %s is required": "il faut l'un de ces arguments : %s",
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "ignored explicit argument %r": "valeur %r ignorée",
    "expected one argument": "il faut une valeur",
    "expected at most one argument": "il faut au plus une valeur",
    "expected at least one argument": "il faut au moins une valeur",
    "ambiguous option: %(option)s could match %(matches)s": "option ambiguë : %(option)s peut désigner %(matches)s",
    "unexpected option string: %s": "option inattendue : %s",
    "invalid %(type)s value: %(value)r": "valeur invalide : %(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix invalide : %(value)r (valeurs possibles : %(choices)s)",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "commande inconnue : %(parser_name)r (commandes : %(choices)s)",
    "can't open '%(filename)s': %(error)s": "impossible d'ouvrir « %(filename)s » : %(error)s",
}


def french(message: str) -> str:
    return FRENCH.get(message, gettext.gettext(message))


def french_plural(singular: str, plural: str, n: int) -> str:
    if singular == "expected %s argument":
        return "il faut %s valeur" if n < 2 else "il faut %s valeurs"
    return gettext.ngettext(singular, plural, n)


class FrenchArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose own words are French (subcommands' parsers are of the same class)."""

    def __init__(self, *args, **kwargs) -> None:
        argparse._ = french  # type: ignore[attr-defined]
        argparse.ngettext = french_plural  # type: ignore[attr-defined]
        super().__init__(*args, **kwargs)
