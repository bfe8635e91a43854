      const { Verifier } = service.verifier;
      const verifier = Verifier.create(toJs(body.config));
      const now = body.now == null ? undefined : BigInt(body.now);
      const verified = verifier.verify(body.token, now);
      return Response.json({ ok: { ...toJson(verified), claims: JSON.parse(verified.claims) } });
