"""AZR rewards (paper §3.1, reward design): proposer learnability, solver correctness, format-aware composite.

Names follow the paper: `s̄` (`solve_rate`) is the mean success of n solver rollouts on a proposed
task, `r_propose = 1 − s̄` unless s̄ ∈ {0, 1}, `r_solve = 1[y = y*]`, and the composite `R(y)` of
Eq. (6) replaces the role reward with a penalty for wrong or malformed responses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from azr_safe.selfplay.sample import Role


class RewardConfig(BaseModel):
    """Reward settings. Defaults follow the paper's formulas, not the reference code's quirk."""

    model_config = ConfigDict(extra="forbid")

    wrong_penalty: float = Field(
        default=-0.5, description="R(y) for a well-formed but wrong response (paper Eq. 6)."
    )
    malformed_penalty: float = Field(
        default=-1.0, description="R(y) for a malformed response or an invalid proposal (paper Eq. 6)."
    )
    extreme_solve_rate: Literal["zero", "wrong_penalty"] = Field(
        default="zero",
        description=(
            "Proposer reward when a valid task has s̄ ∈ {0, 1}. 'zero' is the paper's r_propose = 0; "
            "'wrong_penalty' reproduces the reference code (LeapLabTHU/Absolute-Zero-Reasoner issue #37), "
            "which gives such proposals `wrong_penalty` (−0.5)."
        ),
    )


def learnability_reward(solve_rate: float) -> float:
    """r_propose = 1 − s̄, and 0 when s̄ ∈ {0, 1} (too hard or too easy teaches nothing).

    >>> learnability_reward(0.25)
    0.75
    >>> learnability_reward(0.0), learnability_reward(1.0)
    (0.0, 0.0)
    """
    if not 0.0 <= solve_rate <= 1.0:
        raise ValueError(f"solve rate must lie in [0, 1], got {solve_rate}")
    if solve_rate in (0.0, 1.0):
        return 0.0
    return 1.0 - solve_rate


def solve_rate(successes: Sequence[bool]) -> float:
    """s̄: the mean success of the n solver rollouts on one task.

    >>> solve_rate([True, False, False, True])
    0.5
    """
    if not successes:
        raise ValueError("s̄ needs at least one solver rollout")
    return sum(map(bool, successes)) / len(successes)


def solver_reward(correct: bool) -> float:
    """r_solve = 1 if the answer is verified correct in the jail, else 0.

    >>> solver_reward(True), solver_reward(False)
    (1.0, 0.0)
    """
    return 1.0 if correct else 0.0


def proposer_reward(
    *, well_formed: bool, valid: bool, solve_rate: float | None, config: RewardConfig
) -> float:
    """R(y_propose): the composite reward of one proposal.

    >>> cfg = RewardConfig()
    >>> proposer_reward(well_formed=True, valid=True, solve_rate=0.25, config=cfg)
    0.75
    >>> proposer_reward(well_formed=True, valid=True, solve_rate=1.0, config=cfg)
    0.0
    >>> quirk = RewardConfig(extreme_solve_rate="wrong_penalty")
    >>> proposer_reward(well_formed=True, valid=True, solve_rate=1.0, config=quirk)
    -0.5
    >>> proposer_reward(well_formed=True, valid=False, solve_rate=None, config=cfg)
    -1.0
    """
    if not (well_formed and valid) or solve_rate is None:
        return config.malformed_penalty
    if solve_rate in (0.0, 1.0) and config.extreme_solve_rate == "wrong_penalty":
        return config.wrong_penalty
    return learnability_reward(solve_rate)


def solver_composite_reward(*, well_formed: bool, correct: bool, config: RewardConfig) -> float:
    """R(y_solve): r_solve when correct, −0.5 when well formed but wrong, −1 when malformed.

    >>> cfg = RewardConfig()
    >>> [solver_composite_reward(well_formed=w, correct=c, config=cfg)
    ...  for w, c in [(True, True), (True, False), (False, False)]]
    [1.0, -0.5, -1.0]
    """
    if not well_formed:
        return config.malformed_penalty
    if not correct:
        return config.wrong_penalty
    return solver_reward(correct)


def composite_reward(
    role: Role, *, well_formed: bool, ok: bool, solve_rate: float | None, config: RewardConfig
) -> float:
    """Dispatch to the role's composite: `ok` means a valid proposal or a correct solution.

    >>> composite_reward("solve", well_formed=True, ok=True, solve_rate=None, config=RewardConfig())
    1.0
    """
    if role == "propose":
        return proposer_reward(well_formed=well_formed, valid=ok, solve_rate=solve_rate, config=config)
    return solver_composite_reward(well_formed=well_formed, correct=ok, config=config)
