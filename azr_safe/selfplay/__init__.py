"""The self-play core: the Absolute Zero Reasoner algorithm (tasks, prompts, parsing, validation,
buffers, rewards, Task-Relative REINFORCE++ and the clipped policy-gradient objective)."""

from azr_safe.lazy import lazy_getattr
from azr_safe.selfplay.advantages import AdvantageConfig, trr_plus_plus_advantages
from azr_safe.selfplay.buffers import BufferStateError, TaskBuffer, TaskBuffers, zero_triplet
from azr_safe.selfplay.formats import ANSWER_BLOCKS, THINK_TAG
from azr_safe.selfplay.grading import GradeResult, grade_solutions, parse_solution
from azr_safe.selfplay.objective import ObjectiveConfig, entropy_from_logits, policy_loss, token_logprobs
from azr_safe.selfplay.parsing import REJECT_REASONS, ParsedResponse, RejectReason, parse_response
from azr_safe.selfplay.prompts import build_propose_prompt, build_solve_prompt, induction_split
from azr_safe.selfplay.rewards import (
    RewardConfig,
    composite_reward,
    learnability_reward,
    proposer_reward,
    solve_rate,
    solver_composite_reward,
    solver_reward,
)
from azr_safe.selfplay.sample import ROLES, TASK_TYPES, ExecutionRecord, Role, Sample, TaskType, Triplet
from azr_safe.selfplay.validation import (
    Proposal,
    ProposalResponse,
    SelfPlayJail,
    ValidationConfig,
    ValidationResult,
    check_two_runs,
    parse_proposal,
    validate_proposal,
    validate_proposals,
)

# rollout imports the generation boundary, which imports selfplay.sample: load it on first use (PEP 562).
_LAZY = dict.fromkeys(
    ("RolloutConfig", "RolloutItem", "RolloutResult", "rollout_metrics", "rollout_step"), "azr_safe.selfplay.rollout"
)
__getattr__ = lazy_getattr(__name__, _LAZY)


__all__ = [
    "ANSWER_BLOCKS",
    "REJECT_REASONS",
    "ROLES",
    "TASK_TYPES",
    "THINK_TAG",
    "AdvantageConfig",
    "BufferStateError",
    "ExecutionRecord",
    "GradeResult",
    "ObjectiveConfig",
    "ParsedResponse",
    "Proposal",
    "ProposalResponse",
    "RejectReason",
    "RewardConfig",
    "Role",
    "RolloutConfig",
    "RolloutItem",
    "RolloutResult",
    "Sample",
    "SelfPlayJail",
    "TaskBuffer",
    "TaskBuffers",
    "TaskType",
    "Triplet",
    "ValidationConfig",
    "ValidationResult",
    "build_propose_prompt",
    "build_solve_prompt",
    "check_two_runs",
    "composite_reward",
    "entropy_from_logits",
    "grade_solutions",
    "induction_split",
    "learnability_reward",
    "parse_proposal",
    "parse_response",
    "parse_solution",
    "policy_loss",
    "proposer_reward",
    "rollout_metrics",
    "rollout_step",
    "solve_rate",
    "solver_composite_reward",
    "solver_reward",
    "token_logprobs",
    "trr_plus_plus_advantages",
    "validate_proposal",
    "validate_proposals",
    "zero_triplet",
]
