# Samverkan server image: built from source with the Maven wrapper, run on a JRE only.
# Build and run it with `docker compose up` (see docker-compose.yml and the README).

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
# Dependencies first, so that a code change does not download them again.
COPY .mvn .mvn
COPY mvnw pom.xml ./
RUN ./mvnw -B -q dependency:go-offline
COPY src src
COPY profiles profiles
# The image build packages only; the test suite runs in CI (.ci/run), against H2 and PostgreSQL.
RUN ./mvnw -B -q package -DskipTests && cp target/samverkan-*.jar /samverkan.jar

FROM eclipse-temurin:17-jre
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /opt/samverkan samverkan \
    && mkdir -p /opt/samverkan/data && chown samverkan /opt/samverkan/data
COPY --from=build /samverkan.jar /opt/samverkan/samverkan.jar
USER samverkan
WORKDIR /opt/samverkan
EXPOSE 8080
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/samverkan/samverkan.jar"]
