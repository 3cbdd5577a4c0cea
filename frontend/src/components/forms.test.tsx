import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ApiError } from "../api/errors";
import { ErrorSummary, TextField } from "./forms";

const error = new ApiError({
  status: 422,
  error: "Unprocessable Entity",
  detail: "The request is not valid",
  fields: { phone: "not a mobile number", structuredAllergies: "Each allergy names its allergen" },
});

describe("field errors", () => {
  it("are shown next to the field they name and tied to it for screen readers", () => {
    render(<TextField label="Mobile" name="phone" value="12" onValue={() => undefined} error={error} />);
    const input = screen.getByLabelText("Mobile");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    const message = document.getElementById(input.getAttribute("aria-describedby")!.split(" ")[0]!);
    expect(message?.textContent).toBe("not a mobile number");
  });

  it("that no field shows go into the summary with the detail", () => {
    render(<ErrorSummary error={error} placed={["phone"]} />);
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain("The request is not valid");
    expect(alert.textContent).toContain("structuredAllergies: Each allergy names its allergen");
    expect(alert.textContent).not.toContain("not a mobile number");
  });
});
