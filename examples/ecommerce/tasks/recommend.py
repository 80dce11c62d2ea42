"""Item-to-item recommendations computed from co-occurrence in orders.

py> tasks of model.dig and load.dig:

    py>: tasks.recommend.train          # once per similarity (for_each>)
    py>: tasks.recommend.select_model
    py>: tasks.recommend.recommend
    py>: tasks.recommend.load_payload

Digdag binds the function arguments by name from the task parameters
(data_dir, similarity, top_n, ...). Values for later tasks are passed with
digdag.env.store(). Only the standard library is used, and every function also
runs outside Digdag, e.g.

    python3 -m tasks.recommend train --data-dir /tmp/digkit-ecommerce/20240601 --similarity jaccard

Files, relative to data_dir:

    enriched/order_lines.csv         input (written by scripts/enrich_orders.sh)
    model/similarity_<name>.csv      product_id,similar_product_id,rank,score
    model/metrics_<name>.json        hold-out hit rate of the candidate
    model/selected.json              the candidate chosen by select_model
    model/recommendations.csv        customer_id,rank,product_id,score,model
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
from collections import Counter, defaultdict
from itertools import combinations
from typing import Any

from tasks._digdag import store

SIMILARITIES = ("cooccurrence", "jaccard", "cosine")

# Every HOLDOUT_EVERY-th order (in order-id order) is held out for evaluation.
HOLDOUT_EVERY = 5

# Neighbours kept per product in model/similarity_<name>.csv.
NEIGHBOURS = 20

Neighbours = dict[int, list[tuple[int, float]]]


# --------------------------------------------------------------------------
# helpers


def _model_dir(data_dir: str) -> str:
    path = os.path.join(data_dir, "model")
    os.makedirs(path, exist_ok=True)
    return path


def _check_similarity(similarity: str) -> str:
    if similarity not in SIMILARITIES:
        raise ValueError(f"unknown similarity {similarity!r}; expected one of {SIMILARITIES}")
    return similarity


def read_order_lines(data_dir: str) -> list[dict[str, str]]:
    path = os.path.join(data_dir, "enriched", "order_lines.csv")
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def baskets_of(lines: list[dict[str, str]]) -> dict[str, list[int]]:
    """order_id -> distinct product ids, in line order."""
    baskets: dict[str, list[int]] = defaultdict(list)
    for row in lines:
        product = int(row["product_id"])
        basket = baskets[row["order_id"]]
        if product not in basket:
            basket.append(product)
    return dict(baskets)


def fit(baskets: list[list[int]], similarity: str) -> Neighbours:
    """Similarity between products bought in the same order.

    cooccurrence: c(a, b), the number of orders containing both
    jaccard:      c(a, b) / (n(a) + n(b) - c(a, b))
    cosine:       c(a, b) / sqrt(n(a) * n(b))
    """
    item_count: Counter[int] = Counter()
    pair_count: Counter[tuple[int, int]] = Counter()
    for basket in baskets:
        items = sorted(set(basket))
        item_count.update(items)
        pair_count.update(combinations(items, 2))

    neighbours: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for (a, b), both in pair_count.items():
        if similarity == "cooccurrence":
            score = float(both)
        elif similarity == "jaccard":
            score = both / (item_count[a] + item_count[b] - both)
        else:
            score = both / math.sqrt(item_count[a] * item_count[b])
        neighbours[a].append((b, score))
        neighbours[b].append((a, score))

    return {
        item: sorted(scored, key=lambda x: (-x[1], x[0]))[:NEIGHBOURS]
        for item, scored in sorted(neighbours.items())
    }


def hit_rate(model: Neighbours, baskets: list[list[int]], top_n: int) -> tuple[float, int]:
    """Share of held-out orders where a top-N neighbour of the first product
    is one of the other products of the order."""
    evaluated = hits = 0
    for basket in baskets:
        if len(basket) < 2:
            continue
        evaluated += 1
        first, rest = basket[0], set(basket[1:])
        suggested = {item for item, _ in model.get(first, [])[:top_n]}
        if suggested & rest:
            hits += 1
    return (hits / evaluated if evaluated else 0.0), evaluated


def read_neighbours(path: str) -> Neighbours:
    neighbours: dict[int, list[tuple[int, float]]] = defaultdict(list)
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            neighbours[int(row["product_id"])].append(
                (int(row["similar_product_id"]), float(row["score"]))
            )
    return dict(neighbours)


# --------------------------------------------------------------------------
# py> tasks


def train(data_dir: str, similarity: str = "cooccurrence", top_n: int = 5) -> dict[str, Any]:
    """Evaluate one similarity on held-out orders, then fit it on all orders."""
    similarity = _check_similarity(similarity)
    top_n = int(top_n)
    baskets = baskets_of(read_order_lines(data_dir))
    order_ids = sorted(baskets)
    held_out = [baskets[o] for i, o in enumerate(order_ids) if i % HOLDOUT_EVERY == 0]
    training = [baskets[o] for i, o in enumerate(order_ids) if i % HOLDOUT_EVERY != 0]

    rate, evaluated = hit_rate(fit(training, similarity), held_out, top_n)
    model = fit(list(baskets.values()), similarity)

    model_dir = _model_dir(data_dir)
    with open(
        os.path.join(model_dir, f"similarity_{similarity}.csv"), "w", newline="", encoding="utf-8"
    ) as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["product_id", "similar_product_id", "rank", "score"])
        for item, scored in model.items():
            for rank, (other, score) in enumerate(scored, start=1):
                writer.writerow([item, other, rank, f"{score:.6f}"])

    metrics = {
        "similarity": similarity,
        "hit_rate": round(rate, 4),
        "evaluated_orders": evaluated,
        "orders": len(order_ids),
        "products": len(model),
        "top_n": top_n,
    }
    with open(os.path.join(model_dir, f"metrics_{similarity}.json"), "w", encoding="utf-8") as f:
        json.dump(metrics, f, indent=2, sort_keys=True)
        f.write("\n")

    print(
        f"{similarity}: hit rate@{top_n} {rate:.4f} on {evaluated} held-out orders, "
        f"{len(model)} products"
    )
    return metrics


def select_model(data_dir: str) -> dict[str, Any]:
    """Pick the trained candidate with the best hit rate (ties: SIMILARITIES order)."""
    model_dir = _model_dir(data_dir)
    candidates = []
    for similarity in SIMILARITIES:
        path = os.path.join(model_dir, f"metrics_{similarity}.json")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                candidates.append(json.load(f))
    if not candidates:
        raise RuntimeError(f"no trained model in {model_dir}; run tasks.recommend.train first")

    best = max(candidates, key=lambda m: m["hit_rate"])  # max() keeps the first of equals
    for m in candidates:
        marker = "*" if m is best else " "
        print(f"{marker} {m['similarity']:<12} hit rate {m['hit_rate']:.4f}")

    selected = {"best": best["similarity"], "hit_rate": best["hit_rate"]}
    with open(os.path.join(model_dir, "selected.json"), "w", encoding="utf-8") as f:
        json.dump(selected, f, indent=2, sort_keys=True)
        f.write("\n")
    store({"model": selected})
    return selected


def recommend(data_dir: str, similarity: str, top_n: int = 5) -> dict[str, Any]:
    """Top-N products per customer: the summed similarity of the products the
    customer bought, never recommending a product already bought; filled up
    with the best sellers when there are not enough neighbours."""
    similarity = _check_similarity(similarity)
    top_n = int(top_n)
    model_dir = _model_dir(data_dir)
    neighbours = read_neighbours(os.path.join(model_dir, f"similarity_{similarity}.csv"))

    bought: dict[int, set[int]] = defaultdict(set)
    popularity: Counter[int] = Counter()
    for row in read_order_lines(data_dir):
        product = int(row["product_id"])
        bought[int(row["customer_id"])].add(product)
        popularity[product] += int(row["quantity"])
    best_sellers = [p for p, _ in sorted(popularity.items(), key=lambda x: (-x[1], x[0]))]

    rows = 0
    path = os.path.join(model_dir, "recommendations.csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["customer_id", "rank", "product_id", "score", "model"])
        for customer in sorted(bought):
            owned = bought[customer]
            scores: dict[int, float] = defaultdict(float)
            for product in owned:
                for other, score in neighbours.get(product, []):
                    if other not in owned:
                        scores[other] += score
            ranked = sorted(scores.items(), key=lambda x: (-x[1], x[0]))[:top_n]
            chosen = {p for p, _ in ranked}
            for product in best_sellers:
                if len(ranked) >= top_n:
                    break
                if product not in owned and product not in chosen:
                    ranked.append((product, 0.0))
                    chosen.add(product)
            for rank, (product, score) in enumerate(ranked, start=1):
                writer.writerow([customer, rank, product, f"{score:.6f}", similarity])
                rows += 1

    reco = {"rows": rows, "customers": len(bought), "model": similarity}
    print(f"{rows} recommendations for {len(bought)} customers with {similarity} -> {path}")
    store({"reco": reco})
    return reco


def load_payload(data_dir: str, top_n: int = 5) -> dict[str, Any]:
    """Store the model outputs as compact JSON arrays for the pg> INSERT
    queries of load.dig (payload.recommendations, payload.similarity)."""
    top_n = int(top_n)
    model_dir = _model_dir(data_dir)
    with open(os.path.join(model_dir, "selected.json"), encoding="utf-8") as f:
        selected = json.load(f)
    similarity = _check_similarity(selected["best"])

    recommendations = []
    with open(os.path.join(model_dir, "recommendations.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            recommendations.append(
                [
                    int(row["customer_id"]),
                    int(row["rank"]),
                    int(row["product_id"]),
                    float(row["score"]),
                ]
            )

    similar = []
    path = os.path.join(model_dir, f"similarity_{similarity}.csv")
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if int(row["rank"]) <= top_n:
                similar.append(
                    [
                        int(row["product_id"]),
                        int(row["similar_product_id"]),
                        int(row["rank"]),
                        float(row["score"]),
                    ]
                )

    payload = {
        "model": similarity,
        "hit_rate": selected["hit_rate"],
        "rows": len(recommendations),
        "recommendations": json.dumps(recommendations, separators=(",", ":")),
        "similarity": json.dumps(similar, separators=(",", ":")),
    }
    print(f"payload: {len(recommendations)} recommendations, {len(similar)} similar pairs")
    store({"payload": payload})
    return payload


# --------------------------------------------------------------------------
# command line (outside Digdag)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python3 -m tasks.recommend")
    parser.add_argument("task", choices=["train", "select_model", "recommend", "load_payload"])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--similarity", choices=SIMILARITIES, default="cooccurrence")
    parser.add_argument("--top-n", type=int, default=5)
    args = parser.parse_args(argv)

    if args.task == "train":
        train(args.data_dir, args.similarity, args.top_n)
    elif args.task == "select_model":
        select_model(args.data_dir)
    elif args.task == "recommend":
        recommend(args.data_dir, args.similarity, args.top_n)
    else:
        load_payload(args.data_dir, args.top_n)


if __name__ == "__main__":
    main()
