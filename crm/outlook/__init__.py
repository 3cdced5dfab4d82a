"""Beyond the past: a revenue forecast calibrated on the store's own history, deals at risk with their reasons, and
unusual months in a metric's series. Plain domain code over the store and the metrics layer (see README.md)."""
from crm.outlook.anomalies import AnomalyReport, find_anomalies
from crm.outlook.deal_risk import RiskReport, deals_at_risk
from crm.outlook.forecast import Forecast, forecast_revenue
from crm.outlook.stage_history import StageCalibration, calibrate_stages

__all__ = ["AnomalyReport", "Forecast", "RiskReport", "StageCalibration", "calibrate_stages", "deals_at_risk",
           "find_anomalies", "forecast_revenue"]
