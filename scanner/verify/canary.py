"""Accounts whose keys are traps: calling AWS with them tells their owner.

Canary tokens ("honeytokens") are real AWS keys planted to be stolen; the
first API call made with one raises the planter's alarm, and GetCallerIdentity
is such a call. A key whose account ID (decoded offline) is one of these is
marked ``canary`` and never sent anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

# Thinkst canarytokens.org AWS accounts.
THINKST_CANARY_ACCOUNTS = frozenset(
    {
        "052310077262",
        "171436882533",
        "266735846894",
        "534261010715",
        "595918472158",
        "717712589309",
        "730335385048",
        "819147034852",
        "893192397702",
        "992382622183",
    }
)

# Accounts of look-alike canary/honeytoken services.
OTHER_CANARY_ACCOUNTS = frozenset(
    {
        "044858866125",
        "251535659677",
        "344043088457",
        "351906852752",
        "390477818340",
        "426127672474",
        "427150556519",
        "439872796651",
        "445142720921",
        "465867158099",
        "528757803018",
        "538784191382",
        "637958123769",
        "693412236332",
        "729780141977",
        "732624840810",
        "735421457923",
        "959235150393",
        "982842642351",
    }
)

KNOWN_CANARY_ACCOUNTS = THINKST_CANARY_ACCOUNTS | OTHER_CANARY_ACCOUNTS


def canary_accounts(extra: Iterable[str] = ()) -> frozenset[str]:
    """The known canary accounts plus the user's own (``--skip-aws-account``).

    Raises ValueError naming the bad entry when one is not a 12-digit account ID,
    because a typo here would silently send a trap key to AWS.
    """
    added = set()
    for account in extra:
        account = account.strip().replace("-", "")
        if len(account) != 12 or not account.isdigit():
            raise ValueError(f"--skip-aws-account {account!r} is not a 12-digit AWS account ID")
        added.add(account)
    return KNOWN_CANARY_ACCOUNTS | added
