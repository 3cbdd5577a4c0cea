// The frame of every signed-in screen: the role's screens, who is signed in, log-out, switch user,
// and the warning before the idle time-out.

import { NavLink, Outlet, useLocation, useNavigate } from "react-router";
import { ViewerProvider, useServices, useSessionState } from "../app-context";
import { LiveProvider } from "../realtime/react";
import { navScreensFor } from "../screens";
import { ROLE_LABELS, displayName } from "../session/types";
import { Button } from "./forms";

export function Layout() {
  const { session } = useServices();
  const { user, idleWarningSeconds } = useSessionState();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  if (user === null) return null;
  // Boards use the width of a wall or station screen; forms stay narrow enough to read.
  const width = /^\/(census|ward)(\/|$)/.test(pathname) ? "max-w-[1800px]" : "max-w-6xl";

  async function leave(how: "logout" | "switch") {
    navigate("/", { replace: true });
    if (how === "logout") await session.logout();
    else await session.switchUser();
  }

  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className={`mx-auto flex ${width} flex-wrap items-center gap-4 px-4 py-3`}>
          <span className="text-lg font-bold text-teal-800">Hospital Live</span>
          <nav aria-label="Screens" className="flex flex-wrap gap-1">
            {navScreensFor(user.role).map((screen) => (
              <NavLink
                key={screen.path}
                to={screen.path}
                className={({ isActive }) =>
                  `rounded-md px-3 py-2 text-sm font-medium focus:outline-none focus-visible:ring-2 focus-visible:ring-teal-600 ${
                    isActive ? "bg-teal-50 text-teal-900" : "text-slate-700 hover:bg-slate-100"
                  }`
                }
              >
                {screen.title}
              </NavLink>
            ))}
          </nav>
          <div className="ml-auto flex items-center gap-3">
            <span className="text-sm" data-testid="signed-in-as">
              <span className="font-semibold">{displayName(user)}</span>{" "}
              <span className="text-slate-500">({ROLE_LABELS[user.role]})</span>
            </span>
            <Button variant="secondary" onClick={() => void leave("switch")}>
              Switch user
            </Button>
            <Button variant="secondary" onClick={() => void leave("logout")}>
              Log out
            </Button>
          </div>
        </div>
      </header>
      {idleWarningSeconds !== null ? (
        <div
          role="alertdialog"
          aria-labelledby="idle-title"
          className="fixed inset-x-0 top-0 z-50 mx-auto mt-20 max-w-md rounded-lg border border-amber-300 bg-amber-50 p-4 shadow-lg"
        >
          <p id="idle-title" className="font-semibold text-amber-900">
            You will be signed out in {idleWarningSeconds} s because nothing has happened for a while.
          </p>
          <Button className="mt-3" autoFocus onClick={() => session.stillHere()}>
            I am still here
          </Button>
        </div>
      ) : null}
      <main className={`mx-auto ${width} px-4 py-6`}>
        <ViewerProvider viewer={{ kind: "staff", user }}>
          <LiveProvider auth={session}>
            <Outlet />
          </LiveProvider>
        </ViewerProvider>
      </main>
    </div>
  );
}
