"""Order statistics for the quality gate of enrich.dig.

+order_stats:
  py>: tasks.quality.order_stats
"""

from __future__ import annotations

import csv
import json
import os
from collections import Counter
from typing import Any

from tasks._digdag import store


def order_stats(data_dir: str) -> dict[str, Any]:
    """Summarise enriched/order_lines.csv and store it as ``stats``."""
    path = os.path.join(data_dir, "enriched", "order_lines.csv")
    orders: set[str] = set()
    customers: set[str] = set()
    revenue = 0
    lines = 0
    by_category: Counter[str] = Counter()
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            lines += 1
            orders.add(row["order_id"])
            customers.add(row["customer_id"])
            amount = int(row["amount"])
            revenue += amount
            by_category[row["category"]] += amount

    stats = {
        "orders": len(orders),
        "lines": lines,
        "customers": len(customers),
        "revenue": revenue,
        "top_category": by_category.most_common(1)[0][0] if by_category else "",
    }
    with open(os.path.join(data_dir, "enriched", "stats.json"), "w", encoding="utf-8") as f:
        json.dump(stats, f, indent=2, sort_keys=True)
        f.write("\n")

    print(
        f"{stats['orders']} orders, {lines} lines, {stats['customers']} customers, "
        f"{revenue} JPY (top category: {stats['top_category']})"
    )
    store({"stats": stats})
    return stats


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 2:
        sys.exit("usage: python3 -m tasks.quality DATA_DIR")
    order_stats(sys.argv[1])
