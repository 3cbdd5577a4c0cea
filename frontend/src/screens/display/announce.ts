// Announcing a call in the waiting room: a two-note chime (WebAudio), then the call read out in English
// and, where the browser has a Hindi voice, in Hindi. Never a name: only the token number and the room.
//
// Browsers keep sound off until someone interacts with the page. A kiosk TV runs Chromium with
// `--autoplay-policy=no-user-gesture-required` (docs: README, "Screens on the wall"); otherwise the screen
// asks once for a key press or a tap to turn sound on.

export interface Call {
  tokenNumber: number;
  room: string | null;
  /** The server's English line: "Token 23, Room 4". */
  announcement?: string;
}

export function englishLine(call: Call): string {
  if (call.announcement) return call.announcement;
  return call.room ? `Token ${call.tokenNumber}, Room ${call.room}` : `Token ${call.tokenNumber}`;
}

export function hindiLine(call: Call): string {
  return call.room ? `टोकन नंबर ${call.tokenNumber}, कमरा नंबर ${call.room}` : `टोकन नंबर ${call.tokenNumber}`;
}

/** The best voice for a language ("en-IN", "hi-IN"): that exact locale, else the language, else none. */
export function pickVoice(voices: readonly SpeechSynthesisVoice[], locale: string): SpeechSynthesisVoice | null {
  const norm = (lang: string) => lang.replace("_", "-").toLowerCase();
  const wanted = locale.toLowerCase();
  const language = wanted.split("-")[0]!;
  return (
    voices.find((v) => norm(v.lang) === wanted) ??
    voices.find((v) => norm(v.lang).split("-")[0] === language) ??
    null
  );
}

export type SoundState = "on" | "needs-gesture" | "unsupported";

const CHIME_SECONDS = 1.1;

export class Announcer {
  private audio: AudioContext | null = null;
  private readonly listeners = new Set<() => void>();
  private readonly win: Window & typeof globalThis;

  constructor(win: Window & typeof globalThis = window) {
    this.win = win;
    const Context = win.AudioContext ?? (win as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (Context) {
      try {
        this.audio = new Context();
        this.audio.onstatechange = () => this.changed();
      } catch {
        this.audio = null;
      }
    }
    // Voices load asynchronously in Chromium.
    win.speechSynthesis?.addEventListener?.("voiceschanged", () => this.changed());
  }

  soundState = (): SoundState => {
    if (this.audio === null && !this.win.speechSynthesis) return "unsupported";
    if (this.audio !== null && this.audio.state !== "running") return "needs-gesture";
    return "on";
  };

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Call from a key press or tap: the browser then lets the page make sound. */
  unlock(): void {
    void this.audio?.resume().then(() => this.changed(), () => undefined);
    // Speaking an empty line inside the gesture unlocks speech synthesis too.
    const synth = this.win.speechSynthesis;
    if (synth) synth.speak(new this.win.SpeechSynthesisUtterance(""));
  }

  /** The Hindi voice this browser offers, if any (shown on screen, so staff know what to expect). */
  voices(): { english: string | null; hindi: string | null } {
    const all = this.win.speechSynthesis?.getVoices() ?? [];
    return { english: pickVoice(all, "en-IN")?.name ?? null, hindi: pickVoice(all, "hi-IN")?.name ?? null };
  }

  announce(call: Call): void {
    const delay = this.chime() ? CHIME_SECONDS * 1000 : 0;
    this.win.setTimeout(() => this.speak(call), delay);
  }

  private chime(): boolean {
    const audio = this.audio;
    if (audio === null) return false;
    if (audio.state !== "running") void audio.resume().catch(() => undefined);
    const start = audio.currentTime + 0.05;
    for (const [index, frequency] of [880, 660].entries()) {
      const at = start + index * 0.45;
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.type = "sine";
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.4, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.6);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(at);
      oscillator.stop(at + 0.65);
    }
    return true;
  }

  private speak(call: Call): void {
    const synth = this.win.speechSynthesis;
    if (!synth) return;
    const voices = synth.getVoices();
    const english = new this.win.SpeechSynthesisUtterance(englishLine(call));
    english.lang = "en-IN";
    english.rate = 0.9;
    const englishVoice = pickVoice(voices, "en-IN");
    if (englishVoice) english.voice = englishVoice;
    synth.speak(english);
    const hindiVoice = pickVoice(voices, "hi-IN");
    if (hindiVoice) {
      const hindi = new this.win.SpeechSynthesisUtterance(hindiLine(call));
      hindi.lang = "hi-IN";
      hindi.rate = 0.9;
      hindi.voice = hindiVoice;
      synth.speak(hindi);
    }
  }

  close(): void {
    void this.audio?.close().catch(() => undefined);
    this.audio = null;
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
