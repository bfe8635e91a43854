      const { Validator } = service.validator;
      const validator = Validator.create(toJs(body.config));
      const outcome = validator.validate(body.schema, body.document, body.format);
      return Response.json({ ok: toJson(outcome) });
