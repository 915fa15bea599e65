"""Generate lead CSV files for the import benchmark and tests: duplicates and bad rows included."""

from __future__ import annotations

import csv
import random
from pathlib import Path

HEADER = ["Topic", "First name", "Last name", "Company", "Job title", "Email", "Business phone", "Industry",
          "Number of employees", "Annual revenue", "Lead source", "Budget amount", "Purchase timeframe",
          "Purchase process", "Description"]  # fmt: skip
FIRST = ["Giulia", "Marco", "Lucía", "José", "Anna", "Pierre", "Zoë", "Björn", "Chiara", "Mateo"]
LAST = ["Bianchi", "Rossi", "García", "Müller", "Dupont", "Núñez", "Conti", "Ferrari", "López", "Schmidt"]
INDUSTRIES = ["Hospitality", "Retail", "Food and beverage", "Manufacturing", "Other"]
SOURCES = ["Trade show", "Web", "Partner", "Employee referral", "Other"]
TIMEFRAMES = ["Immediate", "This quarter", "Next quarter", "This year", "Unknown"]
PROCESSES = ["Individual", "Committee", "Unknown"]
BAD = [("Email", "not-an-email"), ("Budget amount", "abc"), ("Number of employees", "-3"), ("Topic", "")]


def generate(path: Path, rows: int, *, duplicate_ratio: float = 0.10, bad_ratio: float = 0.01, seed: int = 7,
             delimiter: str = ",", bom: bool = False) -> dict[str, int]:  # fmt: skip
    """Write `rows` data rows; returns how many are unique, duplicates and bad (the expected report)."""
    rng = random.Random(seed)
    unique: list[list[str]] = []
    counts = {"unique": 0, "duplicates": 0, "bad": 0}
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(HEADER)
        for index in range(rows):
            roll = rng.random()
            if unique and roll < duplicate_ratio:
                row = list(rng.choice(unique))
                row[5] = row[5].upper()  # same email, other case: still a duplicate
                counts["duplicates"] += 1
            elif roll < duplicate_ratio + bad_ratio:
                row = _row(rng, index)
                column, value = rng.choice(BAD)
                row[HEADER.index(column)] = value
                counts["bad"] += 1
            else:
                row = _row(rng, index)
                unique.append(row)
                counts["unique"] += 1
            writer.writerow(row)
    return counts


def _row(rng: random.Random, index: int) -> list[str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    company = f"Caffè {rng.choice(LAST)} {index}"
    return [
        f"Espresso machines, batch {index}", first, last, company, "Buyer", f"{first}.{last}.{index}@example.com",
        f"+39 02 {index:07d}", rng.choice(INDUSTRIES), str(rng.randint(5, 5000)),
        f"{rng.randint(100_000, 9_000_000):,}.00", rng.choice(SOURCES), f"{rng.randint(1_000, 90_000)}",
        rng.choice(TIMEFRAMES), rng.choice(PROCESSES), "Met at the Host Milano fair; wants a \"quote\", soon",
    ]  # fmt: skip
