"""Solution to the exercise of notebook 08 (tuning and a final recipe)."""


def widen_grid(score, lrs, factor):
    """Score every lr; while the best is the smallest or the largest scored, score one more
    beyond it (smallest / factor, largest × factor). Returns every lr scored, increasing."""
    scores = {lr: score(lr) for lr in lrs}
    while True:
        best = max(sorted(scores), key=scores.get)  # the first maximum: the smaller lr on a tie
        if best == min(scores):
            scores[best / factor] = score(best / factor)
        elif best == max(scores):
            scores[best * factor] = score(best * factor)
        else:
            return sorted(scores)
