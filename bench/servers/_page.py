"""The data of the ``page`` scenario, shared by every framework's page server.

Names and descriptions carry ``& < > " '`` so autoescaping does real work on every row.
"""

from __future__ import annotations

COOKIE_SECRET = "bench-cookie-secret-61b1c0f0a5e94b0c"
USER = "alice"  # the value of the signed ``user`` cookie that /login sets

ITEMS: list[dict[str, object]] = [
    {
        "id": i,
        "name": f'Item #{i} <{"new" if i % 3 == 0 else "classic"}> & "co"',
        "price": f"{9.5 + i * 1.25:.2f}",
        "description": f"The {i}th thing you'll want: fast, small & 'safe' (<b>not bold</b>)",
        "featured": i % 4 == 0,
    }
    for i in range(1, 21)
]
