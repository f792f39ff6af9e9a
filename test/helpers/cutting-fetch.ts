/** A `fetch` whose replies to POST fetch break after `limit` bytes, as a dropped connection does. */
export function cuttingFetch(limit: number): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init)
    if (!String(input).endsWith('/fetch') || response.body === null) return response
    const reader = response.body.getReader()
    let passed = 0
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read()
        if (done) return controller.close()
        if (passed + value.length > limit) {
          controller.enqueue(value.subarray(0, limit - passed))
          controller.error(new Error('connection reset'))
          void reader.cancel()
          return
        }
        passed += value.length
        controller.enqueue(value)
      },
    })
    return new Response(body, { status: response.status, headers: response.headers })
  }
}
