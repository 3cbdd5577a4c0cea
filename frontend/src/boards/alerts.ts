// Alerts on the live topics: a person's `user:{userId}` inbox (open alerts, results to view) and the alert
// events a ward's topic carries. The TypeScript twin of domain/alert_events.py.

import type { EventMessage } from "../realtime/protocol";

export type AlertKind = "CRITICAL_RESULT" | "NEWS2_DETERIORATION" | "MEDICATION_OVERDUE";
export type AlertSeverity = "INFO" | "WARNING" | "URGENT" | "CRITICAL";
export type RecipientReason = "ORDERING_DOCTOR" | "ATTENDING_DOCTOR" | "ON_DUTY" | "DEPARTMENT_HEAD" | "ADMIN";

export const REASON_LABELS: Record<RecipientReason, string> = {
  ORDERING_DOCTOR: "you ordered the test",
  ATTENDING_DOCTOR: "you are the attending doctor",
  ON_DUTY: "escalated to the doctors on duty",
  DEPARTMENT_HEAD: "escalated to the head of department",
  ADMIN: "escalated to the administrator",
};

export const KIND_LABELS: Record<AlertKind, string> = {
  CRITICAL_RESULT: "Critical result",
  NEWS2_DETERIORATION: "NEWS2 deterioration",
  MEDICATION_OVERDUE: "Medication overdue",
};

export const ESCALATION_LEVEL_LABELS = ["Not escalated", "Doctors on duty", "Head of department", "Administrator"];

export interface AlertAnalyte {
  code: string;
  name: string;
  value: string;
  unit: string | null;
  flag: string;
  referenceRange?: string | null;
}

export interface OpenAlert {
  alertId: string;
  kind: AlertKind;
  severity: AlertSeverity;
  patientId: string;
  labTestId: string | null;
  accessionNumber: string | null;
  message: string;
  preliminary: boolean;
  escalationLevel: number;
  reason: RecipientReason;
  raisedAt: string;
  analytes: AlertAnalyte[];
  /** The admission the patient was in when it was raised (a NEWS2 alert; a critical result of an inpatient). */
  admissionId?: string | null;
}

export interface ResultToView {
  orderId: string;
  accessionNumber: string;
  patientId: string;
  testCode: string | null;
  testName: string;
  isAbnormal: boolean;
  hasCritical: boolean;
  isCorrected: boolean;
  releasedAt: string;
}

export interface UserBoard {
  alerts: OpenAlert[];
  resultsToView: ResultToView[];
}

export interface AlertEscalated {
  alertId: string;
  escalationLevel: number;
  reason: RecipientReason;
  toUserIds: string[];
  escalatedAt: string;
  delivery: string;
}

export interface AlertAcknowledged {
  alertId: string;
  acknowledgedBy: string;
  action: string;
  acknowledgedAt: string;
}

/** Why an alert stopped being relevant (domain.alerts.AlertResolution). */
export type AlertResolution = "DISCHARGED" | "ADMISSION_CANCELLED" | "NEWS2_BACK_TO_LOW";

export const RESOLUTION_LABELS: Record<AlertResolution, string> = {
  DISCHARGED: "the patient was discharged",
  ADMISSION_CANCELLED: "the admission was cancelled",
  NEWS2_BACK_TO_LOW: "NEWS2 is back to low",
};

/** `alert.resolved` (user:{id} of every recipient, and ward:{id}): off every board, acknowledged or not. */
export interface AlertResolved {
  alertId: string;
  reason: AlertResolution | string;
  resolvedAt: string;
}

const byRaised = (a: OpenAlert, b: OpenAlert) => a.raisedAt.localeCompare(b.raisedAt) || a.alertId.localeCompare(b.alertId);
const byRelease = (a: ResultToView, b: ResultToView) => b.releasedAt.localeCompare(a.releasedAt) || a.orderId.localeCompare(b.orderId);

function withAlert(alerts: OpenAlert[], alert: OpenAlert): OpenAlert[] {
  return [...alerts.filter((a) => a.alertId !== alert.alertId), alert].sort(byRaised);
}

/** Alert events on a list of open alerts (the user inbox's, or a ward board's). */
export function applyAlertEvent(alerts: OpenAlert[], message: EventMessage): OpenAlert[] {
  switch (message.event) {
    case "alert.raised":
    case "alert.posted":
      return withAlert(alerts, (message.data as { alert: OpenAlert }).alert);
    case "alert.escalated": {
      const event = message.data as AlertEscalated;
      return alerts.map((a) => (a.alertId === event.alertId ? { ...a, escalationLevel: event.escalationLevel } : a));
    }
    case "alert.verified": {
      const { alertId } = message.data as { alertId: string };
      return alerts.map((a) => (a.alertId === alertId ? { ...a, preliminary: false } : a));
    }
    case "alert.acknowledged": {
      const { alertId } = message.data as AlertAcknowledged;
      return alerts.filter((a) => a.alertId !== alertId);
    }
    case "alert.resolved": {
      const { alertId } = message.data as AlertResolved;
      return alerts.filter((a) => a.alertId !== alertId);
    }
    default:
      return alerts;
  }
}

export function applyUserEvent(board: UserBoard, message: EventMessage): UserBoard {
  if (message.event.startsWith("alert.")) return { ...board, alerts: applyAlertEvent(board.alerts, message) };
  if (message.event === "lab.result.released" || message.event === "lab.result.corrected") {
    const result = (message.data as { result: ResultToView }).result;
    return { ...board, resultsToView: [...board.resultsToView.filter((r) => r.orderId !== result.orderId), result].sort(byRelease) };
  }
  if (message.event === "lab.result.reviewed") {
    const { orderId } = message.data as { orderId: string };
    return { ...board, resultsToView: board.resultsToView.filter((r) => r.orderId !== orderId) };
  }
  return board;
}

export function isUserBoard(data: unknown): data is UserBoard {
  const board = data as Partial<UserBoard> | null;
  return typeof board === "object" && board !== null && Array.isArray(board.alerts) && Array.isArray(board.resultsToView);
}
