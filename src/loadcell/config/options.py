"""k6's options and scenario configs as pydantic models: strict keys, k6 defaults, k6 validation."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from loadcell.config.durations import parse_duration
from loadcell.config.values import MAX_VUS, as_bool, as_int64, show
from loadcell.errors import InvalidConfigError

Duration = Annotated[float, BeforeValidator(parse_duration)]
Int64 = Annotated[int, BeforeValidator(as_int64)]
Bool = Annotated[bool, BeforeValidator(as_bool)]
_SCENARIO_NAME = re.compile(r"[0-9a-zA-Z_-]+")


class K6Model(BaseModel):
    """A k6 JSON object: a key set to null (None) means the key is unset, as in k6."""

    @model_validator(mode="before")
    @classmethod
    def _null_is_unset(cls, data: Any) -> Any:
        return {k: v for k, v in data.items() if v is not None} if isinstance(data, dict) else data


def _vus_limit(what: str, count: int) -> None:
    if count > MAX_VUS:
        raise ValueError(f"{what} exceeds max limit of {MAX_VUS}")


class Stage(K6Model):
    model_config = ConfigDict(extra="forbid")
    duration: Duration
    target: Int64 = Field(ge=0)


def _check_stages(stages: list[Stage]) -> None:
    if not stages:
        raise ValueError("at least one stage has to be specified")
    for i, stage in enumerate(stages, 1):
        if stage.duration < 0:
            raise ValueError(f"the duration for stage {i} can't be negative")


class _Scenario(K6Model):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    executor: str
    startTime: Duration = 0.0
    gracefulStop: Duration = 30.0
    exec: str = "default"
    env: dict[str, str] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _non_negative(self) -> _Scenario:
        if self.startTime < 0:
            raise ValueError("startTime must be 0 or more")
        if self.gracefulStop < 0:
            raise ValueError("gracefulStop must be 0 or more")
        return self

    def max_vus(self) -> int:
        raise NotImplementedError

    def nominal_duration(self) -> float:
        raise NotImplementedError


class _Iterations(_Scenario):
    """The two iteration-count executors: the same fields and checks, but for how iterations and
    VUs must relate."""

    vus: Int64 = 1
    iterations: Int64 = 1
    maxDuration: Duration = 600.0

    @model_validator(mode="after")
    def _check(self) -> _Iterations:
        if self.vus <= 0:
            raise ValueError("the number of VUs must be more than 0")
        _vus_limit("the number of VUs", self.vus)
        self._check_iterations()
        if self.maxDuration < 1:
            raise ValueError("the maxDuration must be at least 1s")
        return self

    def _check_iterations(self) -> None:
        raise NotImplementedError

    def max_vus(self) -> int:
        return self.vus

    def nominal_duration(self) -> float:
        return self.maxDuration


class SharedIterations(_Iterations):
    executor: Literal["shared-iterations"]

    def _check_iterations(self) -> None:
        if self.iterations < self.vus:
            raise ValueError(
                f"the number of iterations ({self.iterations}) can't be less than"
                f" the number of VUs ({self.vus})"
            )


class PerVUIterations(_Iterations):
    executor: Literal["per-vu-iterations"]

    def _check_iterations(self) -> None:
        if self.iterations <= 0:
            raise ValueError("the number of iterations must be more than 0")


class ConstantVUs(_Scenario):
    executor: Literal["constant-vus"]
    vus: Int64 = 1
    duration: Duration

    @model_validator(mode="after")
    def _check(self) -> ConstantVUs:
        if self.vus <= 0:
            raise ValueError("the number of VUs must be more than 0")
        _vus_limit("the number of VUs", self.vus)
        if self.duration < 1:
            raise ValueError("the duration must be at least 1s")
        return self

    def max_vus(self) -> int:
        return self.vus

    def nominal_duration(self) -> float:
        return self.duration


class RampingVUs(_Scenario):
    executor: Literal["ramping-vus"]
    startVUs: Int64 = Field(default=1, ge=0)
    stages: list[Stage]
    gracefulRampDown: Duration = 30.0

    @model_validator(mode="after")
    def _check(self) -> RampingVUs:
        _check_stages(self.stages)
        _vus_limit("the startVUs", self.startVUs)
        for i, stage in enumerate(self.stages, 1):
            _vus_limit(f"target for stage {i}", stage.target)
        if self.gracefulRampDown < 0:
            raise ValueError("the gracefulRampDown can't be negative")
        if self.startVUs == 0 and all(s.target == 0 for s in self.stages):
            raise ValueError("either startVUs or one of the stages' target values must be greater than 0")
        return self

    def max_vus(self) -> int:
        return max([self.startVUs, *(s.target for s in self.stages)])

    def nominal_duration(self) -> float:
        return sum(s.duration for s in self.stages)


class ConstantArrivalRate(_Scenario):
    executor: Literal["constant-arrival-rate"]
    rate: Int64
    timeUnit: Duration = 1.0
    duration: Duration
    preAllocatedVUs: Int64
    maxVUs: Int64 | None = None

    @model_validator(mode="after")
    def _check(self) -> ConstantArrivalRate:
        if self.rate <= 0:
            raise ValueError("the iteration rate must be more than 0")
        if self.timeUnit <= 0:
            raise ValueError("the timeUnit must be more than 0")
        if self.duration < 1:
            raise ValueError("the duration must be at least 1s")
        if self.preAllocatedVUs < 0:
            raise ValueError("the number of preAllocatedVUs can't be negative")
        if self.maxVUs is None:
            self.maxVUs = self.preAllocatedVUs
        if self.maxVUs < self.preAllocatedVUs:
            raise ValueError("maxVUs can't be less than preAllocatedVUs")
        _vus_limit("maxVUs", self.maxVUs)
        return self

    def max_vus(self) -> int:
        return int(self.maxVUs or 0)

    def nominal_duration(self) -> float:
        return self.duration


class RampingArrivalRate(_Scenario):
    executor: Literal["ramping-arrival-rate"]
    startRate: Int64 = Field(default=0, ge=0)
    timeUnit: Duration = 1.0
    stages: list[Stage]
    preAllocatedVUs: Int64
    maxVUs: Int64 | None = None

    @model_validator(mode="after")
    def _check(self) -> RampingArrivalRate:
        _check_stages(self.stages)
        if self.timeUnit <= 0:
            raise ValueError("the timeUnit must be more than 0")
        if self.preAllocatedVUs < 0:
            raise ValueError("the number of preAllocatedVUs can't be negative")
        if self.maxVUs is None:
            self.maxVUs = self.preAllocatedVUs
        if self.maxVUs < self.preAllocatedVUs:
            raise ValueError("maxVUs can't be less than preAllocatedVUs")
        _vus_limit("maxVUs", self.maxVUs)
        if self.maxVUs == 0:
            raise ValueError("either preAllocatedVUs or maxVUs must be more than 0")
        return self

    def max_vus(self) -> int:
        return int(self.maxVUs or 0)

    def nominal_duration(self) -> float:
        return sum(s.duration for s in self.stages)


ScenarioConfig = (
    SharedIterations | PerVUIterations | ConstantVUs | RampingVUs | ConstantArrivalRate | RampingArrivalRate
)
EXECUTORS: dict[str, type[ScenarioConfig]] = {
    "shared-iterations": SharedIterations,
    "per-vu-iterations": PerVUIterations,
    "constant-vus": ConstantVUs,
    "ramping-vus": RampingVUs,
    "constant-arrival-rate": ConstantArrivalRate,
    "ramping-arrival-rate": RampingArrivalRate,
}


def _explain(where: str, exc: ValidationError) -> InvalidConfigError:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            value = show(err.get("input"))
            parts.append(f"unknown option {loc!r} (value {value}); check the spelling against k6's docs")
        elif err["type"] == "missing":
            parts.append(f"option {loc!r} is required")
        elif loc:
            parts.append(f"option {loc!r} = {show(err.get('input'))}: {msg}")
        else:
            parts.append(msg)
    return InvalidConfigError(f"{where}: " + "; ".join(parts))


def parse_scenario(name: Any, raw: Any) -> ScenarioConfig:
    if not isinstance(name, str) or not _SCENARIO_NAME.fullmatch(name):
        raise InvalidConfigError(
            f"scenario {show(name)}: the scenario name should contain only numbers, latin letters,"
            " underscores, and dashes"
        )
    if not isinstance(raw, dict):
        raise InvalidConfigError(f"scenario {name!r}: expected a mapping of options, got {show(raw)}")
    executor = raw.get("executor")
    if executor is None:
        raise InvalidConfigError(
            f"scenario {name!r} doesn't have a specified executor type; set 'executor' to one of:"
            f" {', '.join(EXECUTORS)}"
        )
    if not isinstance(executor, str):
        raise InvalidConfigError(
            f"scenario {name!r}: option 'executor' = {show(executor)} must be a string, one of:"
            f" {', '.join(EXECUTORS)}"
        )
    if executor == "externally-controlled":
        raise InvalidConfigError(
            f"scenario {name!r}: k6's externally-controlled executor is not supported by loadcell yet;"
            f" use one of: {', '.join(EXECUTORS)}"
        )
    if executor not in EXECUTORS:
        raise InvalidConfigError(
            f"scenario {name!r}: executor {show(executor)} is not valid; use one of: {', '.join(EXECUTORS)}"
        )
    try:
        return EXECUTORS[executor].model_validate(raw)
    except ValidationError as exc:
        raise _explain(f"scenario {name!r} ({executor})", exc) from None
