"""k6's options and scenario configs as pydantic models: strict keys, k6 defaults, k6 validation."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from loadcell.config.durations import parse_duration
from loadcell.errors import InvalidConfigError


def _duration(value: Any) -> float:
    try:
        return parse_duration(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(str(exc)) from None


Duration = Annotated[float, BeforeValidator(_duration)]
_SCENARIO_NAME = re.compile(r"^[0-9a-zA-Z_-]+$")


class Stage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    duration: Duration
    target: int = Field(ge=0)


class _Scenario(BaseModel):
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


class SharedIterations(_Scenario):
    executor: Literal["shared-iterations"]
    vus: int = 1
    iterations: int = 1
    maxDuration: Duration = 600.0

    @model_validator(mode="after")
    def _check(self) -> SharedIterations:
        if self.vus <= 0:
            raise ValueError("the number of VUs must be more than 0")
        if self.iterations < self.vus:
            raise ValueError(
                f"the number of iterations ({self.iterations}) can't be less than"
                f" the number of VUs ({self.vus})"
            )
        if self.maxDuration < 1:
            raise ValueError("the maxDuration must be at least 1s")
        return self

    def max_vus(self) -> int:
        return self.vus

    def nominal_duration(self) -> float:
        return self.maxDuration


class PerVUIterations(_Scenario):
    executor: Literal["per-vu-iterations"]
    vus: int = 1
    iterations: int = 1
    maxDuration: Duration = 600.0

    @model_validator(mode="after")
    def _check(self) -> PerVUIterations:
        if self.vus <= 0:
            raise ValueError("the number of VUs must be more than 0")
        if self.iterations <= 0:
            raise ValueError("the number of iterations must be more than 0")
        if self.maxDuration < 1:
            raise ValueError("the maxDuration must be at least 1s")
        return self

    def max_vus(self) -> int:
        return self.vus

    def nominal_duration(self) -> float:
        return self.maxDuration


class ConstantVUs(_Scenario):
    executor: Literal["constant-vus"]
    vus: int = 1
    duration: Duration

    @model_validator(mode="after")
    def _check(self) -> ConstantVUs:
        if self.vus <= 0:
            raise ValueError("the number of VUs must be more than 0")
        if self.duration < 1:
            raise ValueError("the duration must be at least 1s")
        return self

    def max_vus(self) -> int:
        return self.vus

    def nominal_duration(self) -> float:
        return self.duration


class RampingVUs(_Scenario):
    executor: Literal["ramping-vus"]
    startVUs: int = Field(default=1, ge=0)
    stages: list[Stage]
    gracefulRampDown: Duration = 30.0

    @model_validator(mode="after")
    def _check(self) -> RampingVUs:
        if not self.stages:
            raise ValueError("at least one stage has to be specified")
        if self.startVUs == 0 and all(s.target == 0 for s in self.stages):
            raise ValueError("either startVUs or one of the stages' target values must be greater than 0")
        return self

    def max_vus(self) -> int:
        return max([self.startVUs, *(s.target for s in self.stages)])

    def nominal_duration(self) -> float:
        return sum(s.duration for s in self.stages)


class ConstantArrivalRate(_Scenario):
    executor: Literal["constant-arrival-rate"]
    rate: int
    timeUnit: Duration = 1.0
    duration: Duration
    preAllocatedVUs: int
    maxVUs: int | None = None

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
        return self

    def max_vus(self) -> int:
        return int(self.maxVUs or 0)

    def nominal_duration(self) -> float:
        return self.duration


class RampingArrivalRate(_Scenario):
    executor: Literal["ramping-arrival-rate"]
    startRate: int = Field(default=0, ge=0)
    timeUnit: Duration = 1.0
    stages: list[Stage]
    preAllocatedVUs: int
    maxVUs: int | None = None

    @model_validator(mode="after")
    def _check(self) -> RampingArrivalRate:
        if not self.stages:
            raise ValueError("at least one stage has to be specified")
        if self.timeUnit <= 0:
            raise ValueError("the timeUnit must be more than 0")
        if self.preAllocatedVUs < 0:
            raise ValueError("the number of preAllocatedVUs can't be negative")
        if self.maxVUs is None:
            self.maxVUs = self.preAllocatedVUs
        if self.maxVUs < self.preAllocatedVUs:
            raise ValueError("maxVUs can't be less than preAllocatedVUs")
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
EXECUTORS: dict[str, type[_Scenario]] = {
    "shared-iterations": SharedIterations,
    "per-vu-iterations": PerVUIterations,
    "constant-vus": ConstantVUs,
    "ramping-vus": RampingVUs,
    "constant-arrival-rate": ConstantArrivalRate,
    "ramping-arrival-rate": RampingArrivalRate,
}


def _explain(where: str, exc: ValidationError, raw: dict[str, Any]) -> InvalidConfigError:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            parts.append(
                f"unknown option {loc!r} (value {err.get('input')!r}); check the spelling against k6's docs"
            )
        elif err["type"] == "missing":
            parts.append(f"option {loc!r} is required")
        elif loc:
            value = raw.get(str(err["loc"][0]), err.get("input")) if err["loc"] else err.get("input")
            parts.append(f"option {loc!r} = {value!r}: {msg}")
        else:
            parts.append(msg)
    return InvalidConfigError(f"{where}: " + "; ".join(parts))


def parse_scenario(name: str, raw: Any) -> ScenarioConfig:
    if not _SCENARIO_NAME.match(name):
        raise InvalidConfigError(
            f"scenario {name!r}: the scenario name should contain only numbers, latin letters, underscores,"
            " and dashes"
        )
    if not isinstance(raw, dict):
        raise InvalidConfigError(f"scenario {name!r}: expected a mapping of options, got {raw!r}")
    executor = raw.get("executor")
    if executor == "externally-controlled":
        raise InvalidConfigError(
            f"scenario {name!r}: k6's externally-controlled executor is not supported by loadcell yet;"
            f" use one of: {', '.join(EXECUTORS)}"
        )
    if executor not in EXECUTORS:
        raise InvalidConfigError(
            f"scenario {name!r}: executor {executor!r} is not valid; use one of: {', '.join(EXECUTORS)}"
        )
    try:
        return EXECUTORS[executor].model_validate(raw)  # type: ignore[return-value]
    except ValidationError as exc:
        raise _explain(f"scenario {name!r} ({executor})", exc, raw) from None
