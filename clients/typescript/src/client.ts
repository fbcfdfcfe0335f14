// A small client of the billing API, typed from its OpenAPI schema:
// `make client-types` writes src/schema.d.ts with openapi-typescript; openapi-fetch
// checks every path, body and answer against it at compile time.
// Run: BILLING_API=http://127.0.0.1:8000 BILLING_USER=staff BILLING_PASSWORD=demo-pass-123 node dist/client.js
import createClient from "openapi-fetch";

import type { components, paths } from "./schema.js";

type Invoice = components["schemas"]["InvoiceRead"];
type ApiError = components["schemas"]["Error"];

const baseUrl = process.env.BILLING_API ?? "http://127.0.0.1:8000";
const api = createClient<paths>({ baseUrl });

function fail(step: string, error: ApiError | undefined, response: Response): never {
  const code = error?.error.code ?? "unknown";
  throw new Error(`${step}: ${response.status} ${code}: ${error?.error.message ?? ""}`);
}

async function main(): Promise<void> {
  const login = await api.POST("/api/auth/login/", {
    body: {
      username: process.env.BILLING_USER ?? "staff",
      password: process.env.BILLING_PASSWORD ?? "demo-pass-123",
    },
  });
  if (!login.data) fail("login", login.error, login.response);
  // Every later call carries the access token (refresh it with /api/auth/refresh/).
  const access = login.data.access;
  api.use({
    onRequest({ request }) {
      request.headers.set("Authorization", `Bearer ${access}`);
      return request;
    },
  });

  const customer = await api.POST("/api/customers/", {
    body: {
      name: "ACME SARL",
      email: "ap@acme.example",
      street: "1 rue de la Paix",
      city: "Paris",
      postal_code: "75002",
      country: "FR",
      tax_id: "FR40303265045",
    },
  });
  if (!customer.data) fail("customer", customer.error, customer.response);

  // Only what the server needs: unit, rate category, kind, dates take their defaults.
  const draft = await api.POST("/api/invoices/", {
    body: {
      customer: customer.data.id,
      items: [
        { description: "Consulting", quantity: "10", unit_price: "95.00", tax_rate: "19" },
        { description: "Travel", quantity: "1", unit_price: "120.50", tax_rate: "19" },
      ],
    },
  });
  if (!draft.data) fail("draft", draft.error, draft.response);
  const id = draft.data.id;

  const renamed = await api.PATCH("/api/invoices/{id}/", {
    params: { path: { id } },
    body: { notes: "Payable within 30 days." },
  });
  if (!renamed.data) fail("patch", renamed.error, renamed.response);

  const issued = await api.POST("/api/invoices/{id}/issue/", {
    params: { path: { id } },
    body: {},
  });
  if (!issued.data) fail("issue", issued.error, issued.response);
  const invoice: Invoice = issued.data;

  const payment = await api.POST("/api/invoices/{id}/payments/", {
    params: { path: { id } },
    body: { amount: "500.00", method: "bank_transfer" },
  });
  if (!payment.data) fail("payment", payment.error, payment.response);

  const aging = await api.GET("/api/reports/aging/");
  if (!aging.data) fail("aging", aging.error, aging.response);
  const euros = aging.data.currencies.find((row) => row.currency === invoice.currency);

  console.log(
    JSON.stringify({
      number: invoice.number,
      gross_total: invoice.gross_total,
      seller: invoice.seller?.name ?? null,
      buyer: invoice.buyer?.name ?? null,
      paid: payment.data.amount,
      aging_total_due: euros?.total_due ?? null,
      aging_buckets: euros?.buckets.map((bucket) => bucket.bucket) ?? [],
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
