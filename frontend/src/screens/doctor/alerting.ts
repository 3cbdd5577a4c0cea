// How a critical alert gets the doctor's attention: an urgent three-note sound (WebAudio) and a system
// notification where the browser permits it (HTTPS or localhost, and the doctor allowed it), which stays
// until it is dealt with.

let context: AudioContext | null = null;

function audio(): AudioContext | null {
  if (context !== null) return context;
  const Context = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!Context) return null;
  try {
    context = new Context();
  } catch {
    context = null;
  }
  return context;
}

/** Call on a tap or key press so later sounds may play (browsers hold sound until the page was used). */
export function unlockSound(): void {
  const ctx = audio();
  if (ctx && ctx.state !== "running") void ctx.resume().catch(() => undefined);
}

/** Three rising beeps, twice: unmistakable across a consulting room. Returns whether sound could play. */
export function playAlertSound(): boolean {
  const ctx = audio();
  if (ctx === null) return false;
  if (ctx.state !== "running") void ctx.resume().catch(() => undefined);
  const start = ctx.currentTime + 0.05;
  const notes = [660, 880, 1100, 660, 880, 1100];
  notes.forEach((frequency, index) => {
    const at = start + index * 0.22 + (index >= 3 ? 0.4 : 0);
    const oscillator = ctx.createOscillator();
    const gain = ctx.createGain();
    oscillator.type = "square";
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.25, at + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.18);
    oscillator.connect(gain).connect(ctx.destination);
    oscillator.start(at);
    oscillator.stop(at + 0.2);
  });
  return ctx.state === "running";
}

export type NotifyPermission = NotificationPermission | "unsupported";

export function notificationPermission(): NotifyPermission {
  return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
}

export async function askNotificationPermission(): Promise<NotifyPermission> {
  if (typeof Notification === "undefined") return "unsupported";
  try {
    return await Notification.requestPermission();
  } catch {
    return Notification.permission;
  }
}

/** A system notification that stays until clicked; clicking it brings the tablet's tab forward. */
export function notify(alertId: string, title: string, body: string): boolean {
  if (notificationPermission() !== "granted") return false;
  try {
    const shown = new Notification(title, { body, tag: `alert-${alertId}`, requireInteraction: true });
    shown.onclick = () => {
      window.focus();
      shown.close();
    };
    return true;
  } catch {
    // Some browsers allow notifications only from a service worker.
    return false;
  }
}
