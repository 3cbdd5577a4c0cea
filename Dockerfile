# Production-style image of the platform: one uvicorn process per container; scale out with more containers
# (events cross processes through Redis).

# The staff app, built in a Node stage; only its dist/ (hashed assets with .br/.gz copies) goes into the image.
FROM node:20-bookworm-slim AS frontend
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml ./
COPY server ./server
COPY channels ./channels
COPY domain ./domain
COPY db ./db
COPY piccolo_conf.py ./
RUN pip install --no-cache-dir . && useradd --system --uid 10001 hospital
# server/frontend.py serves /app/frontend/dist at /.
COPY --from=frontend /frontend/dist ./frontend/dist
USER hospital
ENV HOST=0.0.0.0 PORT=8000 ENVIRONMENT=production LOG_FORMAT=json
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/api/health').status == 200 else 1)"
CMD ["python", "-m", "server.cli", "serve", "--migrate"]
