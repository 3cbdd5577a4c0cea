export function OpdQueue() {
  return null;
}
