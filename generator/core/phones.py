"""Help numbers: what can be dialled, and the ``tel:`` link made from it.

A wrong help number is the worst mistake a child-protection site can make, so
a ``tel:`` link is only ever made from a number written the way people write
numbers to dial (digits, spaces, hyphens, dots, slashes, brackets and a
leading ``+``): nothing is guessed, dropped or merged.
"""

from __future__ import annotations

import re

from generator.core.errors import SiteError
from generator.core.messages import _, ngettext

#: Separators people write between the digits of a number (spaces of all kinds, hyphen, dot, slash, brackets).
_SEPARATORS = " \u00a0\u202f\u2009-\u2010\u2011.()/"
_DIALLABLE_RE = re.compile(r"^\+?[0-9" + re.escape(_SEPARATORS) + r"]+$")
MIN_DIGITS = 2
MAX_DIGITS = 20


def phone_problem(phone: str) -> str | None:
    """Return why a help number cannot be dialled as written, or None when it can."""
    digits = sum(ch.isascii() and ch.isdigit() for ch in phone)
    advice = _("write only the number to dial, e.g. phone: \"116 000\" or \"+32 2 475 44 11\", and put opening "
               "hours in 'hours:' and other words in 'purpose:'")
    if not _DIALLABLE_RE.match(phone):
        return _("the help number '{phone}' holds more than a number to dial; {advice}").format(phone=phone,
                                                                                              advice=advice)
    if not MIN_DIGITS <= digits <= MAX_DIGITS:
        return ngettext("the help number '{phone}' has {count} digit; {advice}",
                        "the help number '{phone}' has {count} digits; {advice}", digits).format(
            phone=phone, count=digits, advice=advice)
    if phone.startswith("+") and "(0)" in phone.replace(" ", ""):
        return _("the help number '{phone}' has '(0)', which is not dialled with the country code; "
                 "write it as dialled from abroad, without (0)").format(phone=phone)
    if phone.count("(") != phone.count(")"):
        return _("the help number '{phone}' has an unclosed bracket; {advice}").format(phone=phone, advice=advice)
    return None


def tel_href(phone: str) -> str:
    """Return the ``tel:`` link of a number to dial ("116 000" → "tel:116000", "+33 1 …" → "tel:+331…")."""
    problem = phone_problem(phone)
    if problem is not None:
        raise SiteError(problem)
    return "tel:" + ("+" if phone.startswith("+") else "") + "".join(ch for ch in phone if ch.isascii() and ch.isdigit())
