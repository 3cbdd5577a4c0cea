// The front desk: find a patient, or register a new one (with the duplicate check).

import { useRef } from "react";
import { PatientSearch, type SearchControl } from "./patients/PatientSearch";
import { RecentRegistrations } from "./patients/RecentRegistrations";
import { RegisterPatient } from "./patients/RegisterPatient";

export function Reception() {
  const search = useRef<SearchControl | null>(null);
  return (
    <div className="space-y-8">
      <h1 className="text-2xl font-bold">Reception</h1>
      <div className="grid gap-6 lg:grid-cols-[2fr_1fr]">
        <PatientSearch formId="reception.search" controlRef={search} />
        <RecentRegistrations />
      </div>
      <hr className="border-slate-200" />
      <RegisterPatient onUseExisting={(mrn) => search.current?.(mrn)} />
    </div>
  );
}
