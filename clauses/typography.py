"""French typography in HTML templates: the spaces a line must not break at are no-break spaces.

``clauses.french.kept_together`` says which. ``KeptTogether`` applies it to the text an HTML
template is written with, and ``kept_together_values`` (an environment's ``finalize``) to every
value an autoescaped template prints; values already marked safe are left as they are. Text
templates (plain-text emails) are untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from jinja2.nodes import EvalContext
from jinja2.utils import pass_eval_context

from clauses.french import kept_together


class KeptTogether(Extension):
    """The static text of ``.html`` templates, with French no-break spaces."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        html = (stream.name or "").endswith(".html")
        for token in stream:
            if html and token.type == "data":
                token = Token(token.lineno, token.type, kept_together(token.value))
            yield token


@pass_eval_context
def kept_together_values(eval_ctx: EvalContext, value: Any) -> Any:
    """A printed value, with French no-break spaces when the template escapes HTML."""
    if eval_ctx.autoescape and type(value) is str:
        return kept_together(value)
    return value
