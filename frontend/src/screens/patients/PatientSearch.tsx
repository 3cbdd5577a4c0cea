// Find a patient by name, phone, MRN or health ID (the server tells which the text is).

import { useEffect, useState, type FormEvent, type RefObject } from "react";
import { useApi } from "../../app-context";
import type { ApiError } from "../../api/errors";
import type { PatientsPage } from "../../api/types";
import { Button, ErrorSummary, TextField, asApiError } from "../../components/forms";
import { useDraft } from "../../drafts/useDraft";
import { formatDate, personName } from "../../format";

/** Lets another part of the screen run a search (a duplicate candidate was chosen, say). */
export type SearchControl = (text: string) => void;

export function PatientSearch({ formId, controlRef }: { formId: string; controlRef?: RefObject<SearchControl | null> }) {
  const api = useApi();
  const [form, setForm] = useDraft(formId, { search: "" });
  const [result, setResult] = useState<PatientsPage | null>(null);
  const [searched, setSearched] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function search(text: string) {
    setBusy(true);
    setError(null);
    try {
      const page = await api.get<PatientsPage>("/api/patients", { query: { search: text.trim(), limit: 20 } });
      setResult(page);
      setSearched(text.trim());
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    if (!controlRef) return;
    controlRef.current = (text: string) => {
      setForm({ search: text });
      void search(text);
    };
    return () => {
      controlRef.current = null;
    };
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (form.search.trim()) void search(form.search);
  }

  return (
    <section aria-labelledby={`${formId}-title`} className="space-y-3">
      <h2 id={`${formId}-title`} className="text-lg font-semibold">
        Find a patient
      </h2>
      <form role="search" onSubmit={submit} className="flex flex-wrap items-end gap-2">
        <TextField
          className="min-w-64 flex-1"
          label="Name, phone, MRN or health ID"
          name="search"
          value={form.search}
          onValue={(search) => setForm({ search })}
          error={error}
          maxLength={100}
          autoComplete="off"
        />
        <Button type="submit" disabled={busy || !form.search.trim()}>
          {busy ? "Searching…" : "Search"}
        </Button>
      </form>
      <ErrorSummary error={error} placed={["search"]} />
      {result ? (
        <div aria-live="polite">
          <p className="text-sm text-slate-600" data-testid="search-summary">
            {result.total === 0
              ? `No patient matches “${searched}”.`
              : `${result.total} patient${result.total === 1 ? " matches" : "s match"} “${searched}”${
                  result.total > result.patients.length ? ` (first ${result.patients.length} shown)` : ""
                }.`}
          </p>
          {result.patients.length > 0 ? (
            <table className="mt-2 w-full border-collapse text-left text-sm" data-testid="search-results">
              <thead>
                <tr className="border-b border-slate-300 text-slate-600">
                  <th scope="col" className="py-2 pr-3">MRN</th>
                  <th scope="col" className="py-2 pr-3">Name</th>
                  <th scope="col" className="py-2 pr-3">Date of birth (age)</th>
                  <th scope="col" className="py-2 pr-3">Gender</th>
                  <th scope="col" className="py-2 pr-3">Phone</th>
                  <th scope="col" className="py-2 pr-3">Health ID</th>
                </tr>
              </thead>
              <tbody>
                {result.patients.map((patient) => (
                  <tr key={patient.id} className="border-b border-slate-100">
                    <td className="py-2 pr-3 font-mono">{patient.mrn}</td>
                    <td className="py-2 pr-3 font-medium">{personName(patient)}</td>
                    <td className="py-2 pr-3">
                      {formatDate(patient.dateOfBirth)}
                      {patient.age !== undefined ? ` (${patient.age})` : ""}
                    </td>
                    <td className="py-2 pr-3">{patient.gender ?? "—"}</td>
                    <td className="py-2 pr-3">{patient.phone ?? "—"}</td>
                    <td className="py-2 pr-3">{patient.healthId ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
