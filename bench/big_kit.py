"""Write a large kit to look at and time: twelve competitors, eight stalls, four personas.

    python bench/big_kit.py WORKSPACE/requirements     # writes big-launch.yaml there

Its content is plausible rather than real; it exists so that layout can be judged on a kit far
larger than the worked example (indexes running to several pages, a long playbook, a
value-prop sheet left without an explicit audience, stalls pointing at internal documents).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

COMPETITORS = [
    "Fabrikam Insights", "Contoso BI", "Adatum Analytics", "Litware Reports", "Proseware Dash",
    "Woodgrove Metrics", "Tailspin Cloud BI", "Wingtip Data", "Alpine Ski Insights",
    "Blue Yonder Charts", "Coho Vineyard Analytics", "Margie's Dashboards",
]
STALLS = [
    ("send-info", "Just send me some information."),
    ("not-right-time", "Now is not the right time."),
    ("check-with-team", "I need to check with my team."),
    ("other-vendor", "We are already evaluating another vendor."),
    ("pricing-first", "Send me your pricing first."),
    ("no-budget", "There is no budget for this until next year."),
    ("happy-with-current", "We are happy with what we have."),
    ("call-me-next-quarter", "Call me next quarter."),
]
PERSONAS = [("cfo", "CFO", "customer"), ("head-of-data", "Head of Data", "internal"),
            ("cio", "CIO", None), ("sales-ops", "Sales operations lead", "customer")]


def slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-").replace("--", "-")


def battlecard(name: str, number: int) -> dict[str, Any]:
    return {
        "id": slug(name),
        "competitor": name,
        "verified_on": f"2026-11-{1 + number:02d}",
        "summary": f"{name} sells dashboard-first BI with desktop authoring and scheduled "
                   "extracts; strong with small analyst teams, weaker once several departments "
                   "need the same numbers.",
        "why_we_win": [
            f"Certified metrics in a governed semantic layer; {name} defines metrics per report.",
            f"Live query on the warehouse; {name} relies on extracts that refresh hourly.",
            f"Unlimited viewers per workspace; {name} charges for every viewer seat.",
        ],
        "where_they_win": ["A larger gallery of ready-made templates.",
                           "Lower entry price for teams under 20 users."],
        "landmines": [
            "How do you make sure revenue in the board deck matches the sales dashboard?",
            "What happens to your refresh window when the orders table doubles?",
        ],
        "objections": [
            {"objection": f"{name} is cheaper.",
             "response": "For the first 20 users, often yes. Price it at next year's viewer "
                         "count; past about 60 viewers our workspace pricing is lower."},
            {"objection": f"Our analysts already know {name}.",
             "response": "Our SQL editor and Excel connection need no retraining, and their "
                         "metric logic moves into the semantic layer once.",
             **({"feature": "roadmap.ai-narratives"} if number % 4 == 0 else {})},
        ],
        "proof_points": [f"Litware Retail replaced {name} in 2026 and cut month-end from 5 days "
                         "to 3."],
        "pricing": f"{name} discounts up to 30 percent in the last week of a quarter; do not "
                   "match on price.",
    }


def value_prop(pid: str, persona: str, audience: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": pid, "persona": persona}
    if audience:
        data["audience"] = audience
    data |= {
        "pains": ["Month-end waits on analysts reconciling one figure across three tools.",
                  "Analytics spend grows with every new viewer."],
        "claims": [
            {"claim": "Cut month-end reporting time by 40 percent.",
             "proof": "Litware Retail cut its month-end pack from 5 working days to 3.",
             "source": "Customer case study: Litware Retail, 2026",
             "feature": "roadmap.semantic-layer"},
            {"claim": "AI-written variance commentary for every month-end pack.",
             "proof": "Prototype tested with three design partners.",
             "source": "Product preview, 2026-10", "feature": "roadmap.ai-narratives"},
            {"claim": "Costs that do not grow with every viewer.",
             "proof": "Tailspin Toys grew from 80 to 620 viewers with no change in price.",
             "source": "Customer case study: Tailspin Toys, 2025"},
            {"claim": "Our win rate against Fabrikam is 64 percent this year.",
             "proof": "CRM closed-won report, Q3 2026.", "source": "Sales operations",
             "internal": True},
        ],
        "differentiators": ["Certified metrics defined once.", "Unlimited viewers."],
    }
    return data


def staller(number: int, sid: str, stall: str) -> dict[str, Any]:
    cards = [f"battlecards.{slug(COMPETITORS[number % 12])}"]
    props = [f"value_props.{PERSONAS[number % 4][0]}"]
    return {
        "id": sid,
        "stall": stall,
        "who": "A team lead who sat in on the first demo but owns no budget.",
        "really_means": "Not convinced it is worth another meeting.",
        "responses": ["Happy to. Which problem should the one page answer?",
                      "Can we book 20 minutes on Thursday with your manager?"],
        "assets": props + cards if number % 3 else props,
        "next_step": "Book a 20-minute follow-up before ending the call.",
        "escalate_after_days": 5 + number,
    }


def big_kit() -> dict[str, Any]:
    cards = [battlecard(name, i) for i, name in enumerate(COMPETITORS)]
    stallers = [staller(i, sid, stall) for i, (sid, stall) in enumerate(STALLS)]
    props = [value_prop(*p) for p in PERSONAS]
    requirements = [
        {"id": f"card-{c['id']}", "from": "sales",
         "need": f"A one-page battlecard against {c['competitor']}.", "status": "agreed",
         "delivered_by": [f"battlecards.{c['id']}"]} for c in cards
    ] + [
        {"id": f"sheet-{p['id']}", "from": "marketing",
         "need": f"A sheet for the {p['persona']} with sourced claims.", "status": "agreed",
         "delivered_by": [f"value_props.{p['id']}"]} for p in props
    ] + [
        {"id": "stalls", "from": "marketing", "need": "Cover the eight most common stalls.",
         "status": "agreed", "delivered_by": [f"playbook.stallers.{s['id']}" for s in stallers]},
        {"id": "roles", "from": "sales", "need": "A word on the nay-sayer and the decision maker.",
         "status": "agreed", "delivered_by": ["playbook.nay_sayer", "playbook.decision_maker"]},
    ]
    return {
        "kit": "big-launch",
        "title": "Northwind Analytics 4.0 launch kit",
        "product": "Northwind Analytics 4.0",
        "launch": "2027-02-16",
        "owners": {"marketing": {"name": "Priya Shah", "email": "priya.shah@northwind.example"},
                   "sales": {"name": "Marcus Bell", "email": "marcus.bell@northwind.example"}},
        "signoff": {"marketing": ["priya.shah@northwind.example", "lena.ortiz@northwind.example"],
                    "sales": ["marcus.bell@northwind.example",
                              "dana.whitfield@northwind.example"]},
        "requirements": requirements,
        "value_props": props,
        "battlecards": cards,
        "playbook": {
            "stallers": stallers,
            "nay_sayer": {"concerns": ["IT security worries about another vendor."],
                          "approach": ["Bring the SOC 2 report to the first meeting."]},
            "decision_maker": {"cares_about": ["One set of numbers."],
                               "approach": ["Lead with the Litware result."]},
        },
        "roadmap": [
            {"id": "semantic-layer", "feature": "Governed semantic layer", "stage": "shipped"},
            {"id": "ai-narratives", "feature": "AI-written variance narratives",
             "stage": "concept"},
        ],
    }


def main(folder: str) -> None:
    path = Path(folder) / "big-launch.yaml"
    path.write_text(yaml.safe_dump(big_kit(), sort_keys=False, allow_unicode=True, width=100),
                    encoding="utf-8")
    print(path)


if __name__ == "__main__":
    main(sys.argv[1])
