# Build: docker build -t escucha .   (cgo is needed for the embedded DuckDB store)
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags="-s -w" -o /out/escucha ./cmd/escucha

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* && useradd -r -u 10001 escucha
COPY --from=build /out/escucha /usr/local/bin/escucha
COPY escucha.example.yaml /etc/escucha/escucha.yaml
USER escucha
WORKDIR /data
ENTRYPOINT ["escucha"]
