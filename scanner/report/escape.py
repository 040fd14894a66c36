"""One escaping rule per output format, for text a hostile repository controls.

File names, authors, e-mail addresses, commit subjects, repository names and
error messages come from whoever wrote the repository. Shown raw they can
clear a terminal (``ESC [2J``), plant an OSC 8 hyperlink, forge a GitHub
Actions workflow command (a path holding ``\\n::warning ...`` or
``\\n::stop-commands::``), break a Markdown table, mention a team, embed an
image, or make a JUnit file invalid XML. Every human-readable output goes
through exactly one of these:

* ``visible`` - terminals, plain text, error messages: every control
  character (C0, DEL, C1), every line break (``\\n``, ``\\r``, VT, FF, NEL,
  U+2028, U+2029, the file/group/record separators) and bidirectional
  overrides ("Trojan source") become visible escapes, so one field is always
  one line of inert text;
* ``md_code`` - Markdown (reports, tickets, PR comments): the field as an
  inline code span, where Markdown interprets nothing (no HTML, images,
  links, autolinks, @mentions, emphasis), with pipes escaped for tables;
* HTML: Jinja2 autoescape (see ``scanner.report.templating``), after
  ``visible``;
* ``xml_text`` - JUnit: ``visible``, then nothing XML 1.0 forbids (lone
  surrogates, U+FFFE, U+FFFF) is left.

Escaping happens at the field, not on a whole rendered line, so layouts can
change without losing it.
"""

from __future__ import annotations

import re

# Line breaks Python's str.splitlines() and Unicode treat as such, plus every
# other C0 control, DEL, the C1 block (CSI, OSC, NEL ...) and the
# bidirectional embedding/override/isolate characters.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e", "\x0b": "\\v", "\x0c": "\\f"}


def _visible_char(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(value: object) -> str:
    """``value`` as one line of inert text: controls and line breaks as escapes."""
    text = "" if value is None else str(value)
    return _UNSAFE.sub(_visible_char, text)


def md_code(value: object, empty: str = "-") -> str:
    """``value`` as a Markdown inline code span that renders as the literal text.

    The fence is one backtick longer than the longest run inside (CommonMark),
    padded with a space when the text starts or ends with a backtick; ``|`` is
    escaped because GitHub splits table cells on it even inside code spans.
    """
    text = visible(value)
    if not text:
        return empty
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or (
        text.startswith(" ") and text.endswith(" ") and text.strip()) else ""
    return f"{fence}{pad}{text.replace('|', chr(92) + '|')}{pad}{fence}"


# Characters XML 1.0 does not allow anywhere, even escaped.
_XML_FORBIDDEN = re.compile("[\ud800-\udfff\ufffe\uffff]")


def xml_text(value: object) -> str:
    """Text XML 1.0 can carry (escape it for XML afterwards, as usual)."""
    return _XML_FORBIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", visible(value))


def rich_text(value: object) -> str:
    """For rich console markup: ``visible``, then rich's own markup escape."""
    from rich.markup import escape

    return escape(visible(value))
