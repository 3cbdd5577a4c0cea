// Routes: an unattended screen holding a device token shows its board without anyone signing in; otherwise
// the log-in page while nobody is signed in (at whatever address, so a re-login lands back where the person
// was), then the role's screens inside the layout. The waiting-room display is full-screen for staff too.

import { useState, type ReactNode } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router";
import { ViewerProvider, useServices, useSessionState } from "./app-context";
import { Layout } from "./components/Layout";
import { DeviceApp } from "./device/DeviceApp";
import { isDeviceScreen, storedDeviceToken } from "./device/device";
import { LiveProvider } from "./realtime/react";
import { SCREENS, mainScreenPath, mayOpen } from "./screens";
import { Devices } from "./screens/admin/Devices";
import { Users } from "./screens/admin/Users";
import { Census } from "./screens/census/Census";
import { WaitingRoomDisplay } from "./screens/display/WaitingRoomDisplay";
import { DoctorTablet } from "./screens/doctor/DoctorTablet";
import { Home } from "./screens/Home";
import { LabWorklist } from "./screens/lab/LabWorklist";
import { Login } from "./screens/Login";
import { ConsultationScreen } from "./screens/opd/Consultation";
import { OpdQueue } from "./screens/opd/OpdQueue";
import { Patients } from "./screens/Patients";
import { Reception } from "./screens/Reception";
import { WardBoardScreen, WardPicker } from "./screens/ward/WardBoard";

export function App({ deviceStorage = window.localStorage }: { deviceStorage?: Storage }) {
  const { pathname } = useLocation();
  const [deviceToken] = useState(() => storedDeviceToken(deviceStorage));
  if (deviceToken !== null && isDeviceScreen(pathname)) return <DeviceApp token={deviceToken} storage={deviceStorage} />;
  return <StaffApp />;
}

function StaffApp() {
  const state = useSessionState();
  const { session } = useServices();
  if (state.status === "starting") {
    return (
      <p role="status" className="p-8 text-slate-500">
        Loading…
      </p>
    );
  }
  if (state.status === "signed-out" || state.user === null) return <Login />;
  const user = state.user;
  const role = user.role;
  return (
    <Routes>
      <Route
        path="/display/:departmentId"
        element={
          <Allowed>
            <ViewerProvider viewer={{ kind: "staff", user }}>
              <LiveProvider auth={session}>
                <WaitingRoomDisplay />
              </LiveProvider>
            </ViewerProvider>
          </Allowed>
        }
      />
      <Route element={<Layout />}>
        <Route index element={<Navigate to={mainScreenPath(role)} replace />} />
        <Route path="/home" element={<Home />} />
        <Route path={SCREENS.doctor.path} element={<Allowed>{<DoctorTablet />}</Allowed>} />
        <Route path={SCREENS.reception.path} element={<Allowed>{<Reception />}</Allowed>} />
        <Route path={SCREENS.queue.path} element={<Allowed>{<OpdQueue />}</Allowed>} />
        <Route path={SCREENS.ward.path} element={<Allowed>{<WardPicker />}</Allowed>} />
        <Route path="/ward/:wardId" element={<Allowed>{<WardBoardScreen />}</Allowed>} />
        <Route path={SCREENS.census.path} element={<Allowed>{<Census />}</Allowed>} />
        <Route path={SCREENS.patients.path} element={<Allowed>{<Patients />}</Allowed>} />
        <Route path={SCREENS.users.path} element={<Allowed>{<Users />}</Allowed>} />
        <Route path={SCREENS.devices.path} element={<Allowed>{<Devices />}</Allowed>} />
        <Route path={SCREENS.lab.path} element={<Allowed>{<LabWorklist />}</Allowed>} />
        <Route path="/opd/consultations/:consultationId" element={<Allowed>{<ConsultationScreen />}</Allowed>} />
        <Route path="/admin" element={<Navigate to={SCREENS.users.path} replace />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

/** A screen the role does not have sends the person to their own main screen. */
function Allowed({ children }: { children: ReactNode }) {
  const { user } = useSessionState();
  const { pathname } = useLocation();
  if (user === null) return null;
  return mayOpen(user.role, pathname) ? children : <Navigate to={mainScreenPath(user.role)} replace />;
}

function NotFound() {
  const { user } = useSessionState();
  return (
    <section className="space-y-2">
      <h1 className="text-2xl font-bold">There is no such page</h1>
      {user ? (
        <a className="text-teal-800 underline" href={mainScreenPath(user.role)}>
          Go to your main screen
        </a>
      ) : null}
    </section>
  );
}
