/** One JSON call to the API as a signed-in staff member; the body is parsed when there is one. */
export async function callApi(
  base: string,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

/** Like callApi, but anything other than the expected status is an error worth stopping for. */
export async function expectApi(
  expected: number,
  ...args: Parameters<typeof callApi>
): Promise<{ status: number; body: any }> {
  const res = await callApi(...args);
  if (res.status !== expected)
    throw new Error(
      `${args[1]} ${args[2]} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`,
    );
  return res;
}
