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
# The development token issuer the README's compose walk-through takes tokens from is not in the
# jar (src/dev/java, see pom.xml): its classes and Spring Authorization Server sit beside it, and
# Spring Boot's PropertiesLauncher adds them (loader.path). It is off as soon as an issuer is configured.
COPY --from=build /src/target/dev-classes /opt/samverkan/dev/classes
COPY --from=build /src/target/dev-lib /opt/samverkan/dev/lib
USER samverkan
WORKDIR /opt/samverkan
EXPOSE 8080
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-Dloader.path=/opt/samverkan/dev/classes,/opt/samverkan/dev/lib", \
    "-cp", "/opt/samverkan/samverkan.jar", "org.springframework.boot.loader.launch.PropertiesLauncher"]
