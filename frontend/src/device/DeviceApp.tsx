// The app on an unattended screen signed in with a device token: the waiting-room display, a census board
// or a ward board, read-only, with no person's session, no header and no log-in.

import { useState, useSyncExternalStore } from "react";
import { Route, Routes } from "react-router";
import { ApiClient } from "../api/client";
import { ApiProvider, ViewerProvider } from "../app-context";
import { LiveProvider } from "../realtime/react";
import { Census } from "../screens/census/Census";
import { WaitingRoomDisplay } from "../screens/display/WaitingRoomDisplay";
import { WardBoardScreen } from "../screens/ward/WardBoard";
import { DeviceAuth, forgetDeviceToken } from "./device";

export function DeviceApp({ token, storage }: { token: string; storage: Storage }) {
  const [auth] = useState(() => new DeviceAuth(token));
  const [api] = useState(() => new ApiClient({ session: auth, fetch: (...args) => window.fetch(...args) }));
  const revoked = useSyncExternalStore(auth.subscribe, auth.isRevoked);

  if (revoked) {
    return (
      <div role="alert" className="flex h-screen flex-col items-center justify-center gap-6 bg-black p-12 text-center text-white">
        <p className="text-4xl font-bold text-yellow-300">This screen's device token is no longer valid.</p>
        <p className="max-w-3xl text-2xl">
          An administrator revoked it, or it was mistyped. Ask for a new screen link (Admin → Device tokens) and open it on
          this screen.
        </p>
        <button
          type="button"
          className="rounded-md bg-white px-6 py-3 text-xl font-semibold text-black"
          onClick={() => {
            forgetDeviceToken(storage);
            window.location.assign("/");
          }}
        >
          Forget the token and go to sign-in
        </button>
      </div>
    );
  }

  return (
    <ApiProvider api={api}>
      <ViewerProvider viewer={{ kind: "device" }}>
        <LiveProvider auth={auth} api={api}>
          <Routes>
            <Route path="/display/:departmentId" element={<WaitingRoomDisplay />} />
            <Route
              path="/census"
              element={
                <DeviceFrame>
                  <Census />
                </DeviceFrame>
              }
            />
            <Route
              path="/ward/:wardId"
              element={
                <DeviceFrame>
                  <WardBoardScreen />
                </DeviceFrame>
              }
            />
          </Routes>
        </LiveProvider>
      </ViewerProvider>
    </ApiProvider>
  );
}

function DeviceFrame({ children }: { children: React.ReactNode }) {
  return <main className="mx-auto max-w-[1800px] px-4 py-4">{children}</main>;
}
