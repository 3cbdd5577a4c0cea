// Patient look-up for clinical and billing staff: what each role may see of a patient is decided by the server.

import { PatientSearch } from "./patients/PatientSearch";

export function Patients() {
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Patients</h1>
      <PatientSearch formId="patients.search" />
    </div>
  );
}
