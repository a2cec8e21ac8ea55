"""Which similarity joins campaign copies and nothing else: the threshold of automatic groups.

    python bench/grouping_threshold.py

The set (seeded, printed sizes below) holds campaign copies with the small edits real campaigns
show (`corpus.campaign_copy`: a personal first line, changed words, a sentence dropped or one of
the sender's own added) of five letters, two long and three short, and the comments that made
the trial's wrong groups of 2-6: distinct comments that quote one sentence of a letter (or the
same stock opening) and then make their own points. Every copy of a letter is one truth group;
every other comment is its own.

It prints, for each threshold, the pairwise precision and recall of "Jaccard >= t" against that
truth, then runs the real clustering (`duplicates.cluster`, candidates and all) at the old and
the new threshold and counts false joins: comments put in a group with a comment they do not
copy. Last, the same set arrives one comment at a time through the arrival job's grouping
(`group_new_comment`, on a fresh SQLite database), as the worker groups it.
"""

from __future__ import annotations

import importlib
import random
import sys
from functools import partial
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal.services.moderation import corpus  # noqa: E402

# the package exports a function of the same name: the module itself is wanted here
similarity = importlib.import_module("portal.services.moderation.duplicates.similarity")

OLD_THRESHOLD = 0.4
SHORT_LETTERS = [
    "市民プールの廃止に反対します。夏休みに子どもたちが安全に泳げる場所は他にありません。"
    "存続をお願いします。",
    "コミュニティバスの減便に反対します。車を運転できない高齢者にとって、バスは病院や買い物に"
    "行くための大切な足です。現在の本数を維持してください。",
    "図書館の指定管理者制度の導入に反対します。司書の専門性が失われ、サービスの質が下がる"
    "おそれがあります。市の直営を続けてください。",
]
LETTERS = corpus.CAMPAIGN_LETTERS + SHORT_LETTERS
STOCK_OPENINGS = [
    "伊勢崎市の行政改革大綱について意見を申し上げます。",
    "行政改革大綱の案を読んで、意見を述べます。",
]
OWN_POINTS = [
    "ただし、利用者が少ない施設は見直してもよいと思います。",
    "一方で、オンライン手続きを増やすことには賛成です。",
    "それより先に、職員の残業を減らす工夫をしてください。",
    "駐車場が足りないことも問題です。",
    "市の財政が厳しいことは理解しています。",
    "説明会は土日の夜にも開いてください。",
    "外国人住民にも分かる言葉で知らせてください。",
    "跡地は子どもの遊び場にしてほしいです。",
    "民間のノウハウを取り入れることには期待しています。",
    "私は賛成ですが、料金の値上げは避けてください。",
]


def build_set(seed: int = 19, copies: int = 30, near_misses: int = 25):
    """(text, truth label) pairs: copies labelled by their letter, the rest each their own."""
    rng = random.Random(seed)  # noqa: S311  (sample text)
    items = []
    for index, letter in enumerate(LETTERS):
        items += [(corpus.campaign_copy(rng, letter), f"letter-{index}") for _ in range(copies)]
    serial, seen = 0, set()
    for letter in LETTERS:
        sentences = [s + "。" for s in letter.split("。") if s]
        for _ in range(near_misses):
            shared = rng.choice([sentences[0], rng.choice(sentences), rng.choice(STOCK_OPENINGS)])
            # one or two short points of the resident's own, sometimes a passage more
            own = [
                f"{rng.choice(corpus.JA_SUBJECTS)}{rng.choice(corpus.JA_OPINIONS)}。"
                for _ in range(rng.randint(1, 2))
            ]
            if rng.random() < 0.5:
                own.append(rng.choice(OWN_POINTS))
            if rng.random() < 0.3:
                own.append(corpus.distinct_comment(rng, "ja"))
            rng.shuffle(own)
            text = shared + "".join(own)
            if text not in seen:
                seen.add(text)
                serial += 1
                items.append((text, f"own-{serial}"))
    rng.shuffle(items)
    return items


def pairwise(items, thresholds):
    """(threshold, precision, recall) of "similarity >= threshold" over every pair."""
    grams = [similarity.shingles(text) for text, _label in items]
    scored = []
    for i, j in combinations(range(len(items)), 2):
        scored.append((similarity.jaccard(grams[i], grams[j]), items[i][1] == items[j][1]))
    same = sum(1 for _s, is_same in scored if is_same)
    rows = []
    for t in thresholds:
        joined = [(s, is_same) for s, is_same in scored if s >= t]
        right = sum(1 for _s, is_same in joined if is_same)
        rows.append((t, right / len(joined) if joined else 1.0, right / same))
    return rows, scored


def false_joins(items, threshold: float) -> tuple[int, int, int]:
    """Run the clustering at `threshold`: (groups, comments joined to a comment they do not
    copy, copies left out of their letter's group)."""
    original = similarity.Leaders
    similarity.Leaders = partial(original, threshold=threshold)
    try:
        assignment = similarity.cluster(enumerate(text for text, _label in items))
    finally:
        similarity.Leaders = original
    groups = similarity.groups_of(assignment)
    wrong = 0
    for members in groups:
        labels = [items[i][1] for i in members]
        majority = max(set(labels), key=labels.count)
        wrong += sum(1 for label in labels if label != majority or label.startswith("own-"))
    grouped = {i for members in groups for i in members}
    missed = sum(1 for i, (_t, label) in enumerate(items) if label.startswith("letter-"))
    missed -= sum(1 for i in grouped if items[i][1].startswith("letter-"))
    return len(groups), wrong, missed


def arrival_joins(items) -> tuple[int, int, int]:
    """The set arriving one by one through `group_new_comment` (what the worker runs): the same
    (groups, comments falsely joined, copies left out)."""
    from benchapp import database_url, fresh_app
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import Comment, Measure
    from portal.services.moderation.duplicates import group_new_comment

    app = fresh_app(database_url("grouping.db"), PORTAL_GROUPING="off")
    by_id = {}
    with app.app_context():
        measure_id = db.session.scalar(select(Measure.id).order_by(Measure.id).limit(1))
        for n, (text, _label) in enumerate(items):
            comment = Comment(
                access_key_hash="0" * 64,
                measure_id=measure_id,
                body=text,
                declared_language="ja",
                respondent_type="lives",
            )
            db.session.add(comment)
            db.session.commit()
            by_id[comment.id] = n
            group_new_comment(comment.id)
            db.session.commit()
        rows = db.session.execute(select(Comment.id, Comment.group_id)).all()
    members: dict = {}
    for comment_id, group_id in rows:
        if group_id is not None:
            members.setdefault(group_id, []).append(by_id[comment_id])
    wrong = grouped_copies = 0
    for group in members.values():
        labels = [items[i][1] for i in group]
        majority = max(set(labels), key=labels.count)
        wrong += sum(1 for label in labels if label != majority or label.startswith("own-"))
        grouped_copies += sum(1 for label in labels if label.startswith("letter-"))
    copies = sum(1 for _t, label in items if label.startswith("letter-"))
    return len(members), wrong, copies - grouped_copies


def main() -> None:
    """Print the tables."""
    items = build_set()
    copies = sum(1 for _t, label in items if label.startswith("letter-"))
    print(
        f"{len(items)} comments: {copies} copies of {len(LETTERS)} letters, "
        f"{len(items) - copies} distinct comments sharing a sentence with a letter or each other\n"
    )
    thresholds = [round(0.3 + 0.05 * k, 2) for k in range(13)]
    rows, scored = pairwise(items, thresholds)
    print("| threshold | pairs joined: precision | recall |")
    print("|---:|---:|---:|")
    for t, precision, recall in rows:
        mark = (
            " ← now" if t == similarity.THRESHOLD else (" ← before" if t == OLD_THRESHOLD else "")
        )
        print(f"| {t:.2f}{mark} | {precision * 100:.1f}% | {recall * 100:.1f}% |")
    lowest_copy = min(s for s, is_same in scored if is_same)
    highest_other = max(s for s, is_same in scored if not is_same)
    copy_scores = sorted(s for s, is_same in scored if is_same)
    print(
        f"\ncopies of one letter: similarity {lowest_copy:.2f}-{max(copy_scores):.2f} "
        f"(1st percentile {copy_scores[len(copy_scores) // 100]:.2f}); "
        f"different comments: up to {highest_other:.2f}\n"
    )
    print("| clustering at | groups | comments falsely joined | copies left out |")
    print("|---:|---:|---:|---:|")
    for t in sorted({OLD_THRESHOLD, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, similarity.THRESHOLD}):
        groups, wrong, missed = false_joins(items, t)
        print(f"| {t:.2f} | {groups} | {wrong} | {missed} |")
    groups, wrong, missed = arrival_joins(items)
    print(f"\none at a time on arrival, at {similarity.THRESHOLD:.2f}: {groups} groups, "
          f"{wrong} comments falsely joined, {missed} copies left out")  # fmt: skip


if __name__ == "__main__":
    main()
