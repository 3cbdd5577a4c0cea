// Form parts that show the server's field errors next to the field they name, with labels and ARIA.

import { useId, type ButtonHTMLAttributes, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from "react";
import { ApiError, unplacedFieldErrors } from "../api/errors";

const inputClass =
  "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-base shadow-sm " +
  "focus:border-teal-600 focus:outline-none focus:ring-2 focus:ring-teal-600 " +
  "aria-[invalid=true]:border-red-600 disabled:bg-slate-100";

interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, "onChange" | "value"> {
  label: string;
  name: string;
  value: string;
  onValue: (value: string) => void;
  error?: ApiError | null;
  hint?: ReactNode;
}

export function TextField({ label, name, value, onValue, error, hint, className, ...rest }: FieldProps) {
  const id = useId();
  const message = error?.fields[name];
  const described = [message ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(" ");
  return (
    <div className={className}>
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
        {rest.required ? <span aria-hidden="true" className="text-red-700"> *</span> : null}
      </label>
      <input
        id={id}
        name={name}
        value={value}
        onChange={(event) => onValue(event.target.value)}
        aria-invalid={message ? true : undefined}
        aria-describedby={described || undefined}
        className={inputClass}
        {...rest}
      />
      {hint ? (
        <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
      {message ? (
        <p id={`${id}-error`} className="mt-1 text-sm text-red-700" data-field-error={name}>
          {message}
        </p>
      ) : null}
    </div>
  );
}

interface SelectProps extends Omit<SelectHTMLAttributes<HTMLSelectElement>, "onChange" | "value"> {
  label: string;
  name: string;
  value: string;
  onValue: (value: string) => void;
  options: readonly { value: string; label: string }[];
  error?: ApiError | null;
}

export function SelectField({ label, name, value, onValue, options, error, className, ...rest }: SelectProps) {
  const id = useId();
  const message = error?.fields[name];
  return (
    <div className={className}>
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
        {rest.required ? <span aria-hidden="true" className="text-red-700"> *</span> : null}
      </label>
      <select
        id={id}
        name={name}
        value={value}
        onChange={(event) => onValue(event.target.value)}
        aria-invalid={message ? true : undefined}
        aria-describedby={message ? `${id}-error` : undefined}
        className={inputClass}
        {...rest}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {message ? (
        <p id={`${id}-error`} className="mt-1 text-sm text-red-700" data-field-error={name}>
          {message}
        </p>
      ) : null}
    </div>
  );
}

/** The error's detail, and any field errors the form has no input for, as one alert. */
export function ErrorSummary({ error, placed = [] }: { error: ApiError | null; placed?: readonly string[] }) {
  if (!error) return null;
  const rest = unplacedFieldErrors(error, placed);
  return (
    <div role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900">
      <p className="font-semibold">{error.detail}</p>
      {rest.length > 0 ? (
        <ul className="mt-1 list-disc pl-5">
          {rest.map(([name, message]) => (
            <li key={name}>
              <span className="font-medium">{name}</span>: {message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Button({
  variant = "primary",
  className = "",
  ...rest
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: "primary" | "secondary" | "danger" }) {
  const look = {
    primary: "bg-teal-700 text-white hover:bg-teal-800 disabled:bg-teal-400",
    secondary: "border border-slate-300 bg-white text-slate-800 hover:bg-slate-100 disabled:text-slate-400",
    danger: "bg-red-700 text-white hover:bg-red-800 disabled:bg-red-400",
  }[variant];
  return (
    <button
      type="button"
      className={`rounded-md px-4 py-2 text-sm font-semibold focus:outline-none focus-visible:ring-2 focus-visible:ring-teal-600 focus-visible:ring-offset-2 ${look} ${className}`}
      {...rest}
    />
  );
}

export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError({ status: 0, error: "Error", detail: error instanceof Error ? error.message : String(error) });
}
