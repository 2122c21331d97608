"""k6's executors, one module each; `build_executor` maps a scenario config to its class."""

from __future__ import annotations

from loadcell.config.options import (
    ConstantArrivalRate,
    ConstantVUs,
    PerVUIterations,
    RampingArrivalRate,
    RampingVUs,
    ScenarioConfig,
    SharedIterations,
)
from loadcell.engine.executors.base import ExecutionState, Executor
from loadcell.engine.executors.constant_arrival_rate import ConstantArrivalRateExecutor
from loadcell.engine.executors.constant_vus import ConstantVUsExecutor
from loadcell.engine.executors.per_vu_iterations import PerVUIterationsExecutor
from loadcell.engine.executors.ramping_arrival_rate import RampingArrivalRateExecutor
from loadcell.engine.executors.ramping_vus import RampingVUsExecutor
from loadcell.engine.executors.shared_iterations import SharedIterationsExecutor

_BY_CONFIG: dict[type, type[Executor]] = {
    SharedIterations: SharedIterationsExecutor,
    PerVUIterations: PerVUIterationsExecutor,
    ConstantVUs: ConstantVUsExecutor,
    RampingVUs: RampingVUsExecutor,
    ConstantArrivalRate: ConstantArrivalRateExecutor,
    RampingArrivalRate: RampingArrivalRateExecutor,
}


def build_executor(name: str, config: ScenarioConfig, state: ExecutionState) -> Executor:
    return _BY_CONFIG[type(config)](name, config, state)


__all__ = ["ExecutionState", "Executor", "build_executor"]
