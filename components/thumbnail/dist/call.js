      const { Thumbnailer } = service.thumbnailer;
      const image = Uint8Array.from(atob(body.image), (c) => c.charCodeAt(0));
      const thumbnail = Thumbnailer.create(toJs(body.config)).thumbnail(image, toJs(body.request));
      // The image itself as the body; its size in headers.
      return new Response(thumbnail.bytes, {
        headers: {
          'content-type': `image/${thumbnail.format}`,
          'x-width': `${thumbnail.width}`,
          'x-height': `${thumbnail.height}`,
        },
      });
