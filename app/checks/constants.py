"""What the checks look at: the claim kinds, activity kinds and the words they read."""

from app.models import MetricKind

CHECKED_KINDS = (
    MetricKind.emissions_avoided,
    MetricKind.emissions_reduction_pct,
    MetricKind.emission_intensity,
)
ACTIVITY_KINDS = (MetricKind.generation, MetricKind.freight, MetricKind.passengers)
UNSTATED_BASELINES = {"", "not stated", "unspecified", "none", "n/a", "unknown"}
# Displaced passenger modes named in a baseline, and the reference-factor modes that stand for
# them. Cars: conventional (petrol, diesel) cars, the mode a new line draws drivers from.
PASSENGER_BASELINES: dict[str, tuple[str, ...]] = {
    "car": ("car-petrol", "car-diesel"),
    "private vehicle": ("car-petrol", "car-diesel"),
    "flight": ("domestic-flight", "short-haul-flight"),
    "air": ("domestic-flight", "short-haul-flight"),
    "coach": ("coach",),
    "bus": ("bus",),
}
RAIL_PASSENGER_PREFIX = "rail"
RAIL_TECHNOLOGIES = {"rail-freight-passenger", "high-speed-rail", "urban-rail"}
