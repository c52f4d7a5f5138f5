"""A small translator of Apache ``mod_rewrite`` rules in a per-directory ``.htaccess`` (as
w3id.org runs them) into a table of Python regular expressions, for the tests of
``w3id/nscn/.htaccess``.

It understands what that file uses, and refuses every other line instead of guessing:

- ``Options +FollowSymLinks`` and ``RewriteEngine on``; comments and blank lines;
- ``RewriteRule PATTERN SUBSTITUTION [FLAGS]`` with flags ``R=code`` (an external redirect,
  302 without a code), ``L``, ``NC`` (no case), ``NE`` (no escaping), ``QSA`` and ``QSD``;
- ``RewriteCond %{HTTP_ACCEPT}|%{QUERY_STRING}|%{REQUEST_METHOD} PATTERN [NC,OR]`` before a
  rule (conditions are ANDed unless ``OR``; a pattern starting with ``!`` is negated).

What mod_rewrite does, and this does too (https://httpd.apache.org/docs/2.4/mod/mod_rewrite.html):
in a ``.htaccess`` the pattern is matched against the URL-path with the directory's prefix
(``nscn/``) and the leading slash removed, percent-decoded; ``$N`` in the substitution are the
pattern's groups; a redirect's substitution is escaped again (unless ``NE``); the request's query
string is appended unless the substitution has its own ``?`` (then only with ``QSA``) or
``QSD`` is given. A redirect needs ``L`` here (mod_rewrite would go on rewriting without it).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

VARIABLES = {"HTTP_ACCEPT", "QUERY_STRING", "REQUEST_METHOD"}


class Unsupported(ValueError):
    """A line this translator does not understand (it never guesses)."""


@dataclass(frozen=True)
class Condition:
    variable: str
    pattern: re.Pattern
    negated: bool
    alternative: bool  #: ``OR``: this condition or the next


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern
    negated: bool
    substitution: str
    status: int | None  #: the redirect's status; None: an internal rewrite (not supported)
    escape: bool
    append_query: bool
    discard_query: bool
    conditions: tuple[Condition, ...] = field(default=())
    line: int = 0


@dataclass(frozen=True)
class Redirect:
    status: int
    location: str
    line: int  #: the .htaccess line of the rule that matched


@dataclass
class Rules:
    """The rules of one ``.htaccess`` in the folder ``prefix`` (e.g. ``"nscn/"``)."""

    prefix: str
    rules: list[Rule]

    @classmethod
    def read(cls, path: Path, prefix: str) -> Rules:
        return cls(prefix, translate(path.read_text(encoding="utf-8")))

    def apply(self, url: str, headers: dict[str, str] | None = None) -> Redirect | None:
        """The redirect answered for ``url`` (an absolute URL on the rules' host), or ``None``
        when no rule matches (w3id.org then answers 404)."""
        parts = urlsplit(url)
        path = unquote(parts.path).lstrip("/")
        if not path.startswith(self.prefix):
            return None  # another folder's rules
        path = path[len(self.prefix) :]
        env = {"QUERY_STRING": parts.query, "REQUEST_METHOD": "GET"}
        env |= {"HTTP_" + k.upper().replace("-", "_"): v for k, v in (headers or {}).items()}
        env.setdefault("HTTP_ACCEPT", "")
        for rule in self.rules:
            match = rule.pattern.search(path)
            if (match is None) != rule.negated or not _conditions_hold(rule.conditions, env):
                continue
            target = _substitute(rule.substitution, match if not rule.negated else None)
            if rule.escape:
                target = _escape(target)
            target = _with_query(target, parts.query, rule)
            assert rule.status is not None
            return Redirect(rule.status, target, rule.line)
        return None


def translate(text: str) -> list[Rule]:
    """The rules of an ``.htaccess`` text; :class:`Unsupported` for anything else."""
    rules: list[Rule] = []
    pending: list[Condition] = []
    engine = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        words = shlex.split(line, posix=False)
        directive = words[0].lower()
        if directive == "options" and words[1:] == ["+FollowSymLinks"]:
            continue
        if directive == "rewriteengine" and len(words) == 2:
            engine = words[1].lower() == "on"
            continue
        if directive == "rewritecond" and len(words) in (3, 4):
            pending.append(_condition(words, number))
            continue
        if directive == "rewriterule" and len(words) in (3, 4):
            if not engine:
                raise Unsupported(f"line {number}: RewriteRule before RewriteEngine on")
            rules.append(_rule(words, tuple(pending), number))
            pending = []
            continue
        raise Unsupported(f"line {number}: {line}")
    if pending:
        raise Unsupported("RewriteCond without a RewriteRule after it")
    return rules


def _flags(words: list[str], number: int) -> list[str]:
    if len(words) < 4:
        return []
    text = words[3]
    if not (text.startswith("[") and text.endswith("]")):
        raise Unsupported(f"line {number}: flags must be in brackets: {text}")
    return [f.strip() for f in text[1:-1].split(",") if f.strip()]


def _condition(words: list[str], number: int) -> Condition:
    found = re.fullmatch(r"%\{([A-Z_]+)\}", words[1])
    if not found or found[1] not in VARIABLES:
        raise Unsupported(f"line {number}: test string {words[1]}")
    flags = {f.upper() for f in _flags(words, number)}
    if flags - {"NC", "OR"}:
        raise Unsupported(f"line {number}: condition flags {sorted(flags - {'NC', 'OR'})}")
    negated, pattern = words[2].startswith("!"), words[2].lstrip("!")
    compiled = re.compile(pattern, re.IGNORECASE if "NC" in flags else 0)
    return Condition(found[1], compiled, negated, "OR" in flags)


def _rule(words: list[str], conditions: tuple[Condition, ...], number: int) -> Rule:
    flags = _flags(words, number)
    names = {f.split("=", 1)[0].upper(): f for f in flags}
    unknown = set(names) - {"R", "L", "NC", "NE", "QSA", "QSD"}
    if unknown:
        raise Unsupported(f"line {number}: rule flags {sorted(unknown)}")
    status = None
    if "R" in names:
        _, _, code = names["R"].partition("=")
        status = int(code) if code else 302
    if status is None or not 300 <= status < 400:
        raise Unsupported(f"line {number}: only external redirects (R=3xx) are supported")
    if "L" not in names:
        raise Unsupported(f"line {number}: a redirect without L would go on being rewritten")
    negated, pattern = words[1].startswith("!"), words[1].lstrip("!")
    return Rule(
        pattern=re.compile(pattern, re.IGNORECASE if "NC" in names else 0),
        negated=negated,
        substitution=words[2],
        status=status,
        escape="NE" not in names,
        append_query="QSA" in names,
        discard_query="QSD" in names,
        conditions=conditions,
        line=number,
    )


def _conditions_hold(conditions: tuple[Condition, ...], env: dict[str, str]) -> bool:
    """mod_rewrite's reading: conditions are ANDed; ``OR`` joins one to the next."""
    result, alternatives = True, False
    for condition in conditions:
        holds = (condition.pattern.search(env.get(condition.variable, "")) is None) == (
            condition.negated
        )
        alternatives = alternatives or holds
        if not condition.alternative:
            result = result and alternatives
            alternatives = False
    return result


def _substitute(substitution: str, match: re.Match | None) -> str:
    def group(found: re.Match) -> str:
        if match is None:
            return ""
        return match.group(int(found[1])) or ""

    if re.search(r"%\d|%\{", substitution):
        raise Unsupported(f"back-references to conditions or variables: {substitution}")
    return re.sub(r"\$(\d)", group, substitution)


def _escape(url: str) -> str:
    """A redirect's target escaped as mod_rewrite does (the path: non-ASCII, spaces, ``#``,
    ``?`` and ``%`` percent-encoded; the scheme and host as they are)."""
    scheme, sep, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    path, question, query = path.partition("?")
    escaped = quote(path, safe="/:@!$&'()*+,;=-._~")
    return f"{scheme}{sep}{host}{slash}{escaped}{question}{query}"


def _with_query(target: str, query: str, rule: Rule) -> str:
    if not query or rule.discard_query:
        return target
    if "?" in target:
        return f"{target}&{query}" if rule.append_query else target
    return f"{target}?{query}"
