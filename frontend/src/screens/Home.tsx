// The home of a role whose own screen has not landed yet: who is signed in, and the role's screens.

import { Link } from "react-router";
import { useSessionState } from "../app-context";
import { navScreensFor } from "../screens";
import { ROLE_LABELS, displayName } from "../session/types";

export function Home() {
  const { user } = useSessionState();
  if (user === null) return null;
  const screens = navScreensFor(user.role);
  return (
    <section aria-labelledby="home-title" className="space-y-4">
      <h1 id="home-title" className="text-2xl font-bold">
        {displayName(user)}
      </h1>
      <dl className="grid max-w-md grid-cols-[8rem_1fr] gap-y-2 text-sm">
        <dt className="text-slate-500">Role</dt>
        <dd>{ROLE_LABELS[user.role]}</dd>
        <dt className="text-slate-500">E-mail</dt>
        <dd>{user.email}</dd>
      </dl>
      {screens.length > 0 ? (
        <ul className="list-disc pl-5">
          {screens.map((screen) => (
            <li key={screen.path}>
              <Link className="text-teal-800 underline" to={screen.path}>
                {screen.title}
              </Link>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
