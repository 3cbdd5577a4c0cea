// The front desk: find a patient, or register a new one (with the duplicate check). OPD check-in is on the
// department's queue page (/opd/queue), which knows the department.

import { useRef } from "react";
import { Link } from "react-router";
import { PatientSearch, type SearchControl } from "./patients/PatientSearch";
import { RecentRegistrations } from "./patients/RecentRegistrations";
import { RegisterPatient } from "./patients/RegisterPatient";

export function Reception() {
  const search = useRef<SearchControl | null>(null);
  return (
    <div className="space-y-8">
      <div className="flex flex-wrap items-baseline gap-4">
        <h1 className="text-2xl font-bold">Reception</h1>
        <p className="text-sm text-slate-700">
          OPD check-in and tokens: on the department's queue,{" "}
          <Link to="/opd/queue" className="font-semibold text-teal-800 underline">
            OPD queue
          </Link>
          .
        </p>
      </div>
      <div className="grid gap-6 lg:grid-cols-[2fr_1fr]">
        <PatientSearch formId="reception.search" controlRef={search} />
        <RecentRegistrations />
      </div>
      <hr className="border-slate-200" />
      <RegisterPatient onUseExisting={(mrn) => search.current?.(mrn)} />
    </div>
  );
}
