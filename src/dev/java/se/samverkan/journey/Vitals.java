package se.samverkan.journey;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.Random;

/**
 * One person's physiology over the monitoring months: a baseline drawn once from their diagnoses,
 * day-to-day noise around it, and at most one spell of deterioration. Self-measurements, the
 * nurse's NEWS2 and an ED visit are all read from it, so they tell the same story.
 */
final class Vitals {

  /** Days over which a deterioration builds up to its worst day, and the days it takes to pass. */
  static final int SPELL_DAYS = 6;

  /** What the person measures at home: weight, blood pressure, oxygen saturation. */
  record SelfMeasurement(int weightTenthsKg, int systolic, int diastolic, int oxygenSaturation) {}

  /**
   * What the hemsjukvård nurse measures for NEWS2, with the NEWS2 sub-scores (Royal College of
   * Physicians 2017, SpO2 scale 1; everyone breathes room air at home).
   */
  record Round(int respirationRate, int oxygenSaturation, int systolic, int pulse, int temperatureTenths,
      boolean alert) {

    int respirationScore() {
      return respirationRate <= 8 ? 3 : respirationRate <= 11 ? 1 : respirationRate <= 20 ? 0
          : respirationRate <= 24 ? 2 : 3;
    }

    int saturationScore() {
      return oxygenSaturation <= 91 ? 3 : oxygenSaturation <= 93 ? 2 : oxygenSaturation <= 95 ? 1 : 0;
    }

    int airScore() {
      return 0;
    }

    int systolicScore() {
      return systolic <= 90 ? 3 : systolic <= 100 ? 2 : systolic <= 110 ? 1 : systolic <= 219 ? 0 : 3;
    }

    int pulseScore() {
      return pulse <= 40 ? 3 : pulse <= 50 ? 1 : pulse <= 90 ? 0 : pulse <= 110 ? 1 : pulse <= 130 ? 2 : 3;
    }

    int consciousnessScore() {
      return alert ? 0 : 3;
    }

    /** Never 3: temperatures are drawn above 35.0 °C, since the profile caps this sub-score at 2. */
    int temperatureScore() {
      return temperatureTenths <= 360 ? 1 : temperatureTenths <= 380 ? 0 : temperatureTenths <= 390 ? 1 : 2;
    }

    int total() {
      return respirationScore() + saturationScore() + airScore() + systolicScore() + pulseScore()
          + consciousnessScore() + temperatureScore();
    }
  }

  private final Random random;
  private final boolean heartFailure;
  private final boolean copd;
  private final boolean atrialFibrillation;
  private final LocalDate worstDay;

  private final double weight;
  private final double systolic;
  private final double diastolic;
  private final double saturation;
  private final double respiration;
  private final double pulse;
  private final double temperature;
  private double weightDrift;

  /**
   * @param worstDay the worst day of a deterioration, or null for a quiet three months
   */
  Vitals(Random random, boolean male, int frailty, boolean heartFailure, boolean copd, boolean hypertension,
      boolean atrialFibrillation, LocalDate worstDay) {
    this.random = random;
    this.heartFailure = heartFailure;
    this.copd = copd;
    this.atrialFibrillation = atrialFibrillation;
    this.worstDay = worstDay;
    this.weight = clamp(gaussian(male ? 78 : 66, male ? 11 : 10) - (frailty >= 7 ? 6 : 0), 42, 130);
    this.systolic = clamp(gaussian(134, 12) + (hypertension ? 8 : 0), 105, 175);
    this.diastolic = clamp(gaussian(76, 7), 55, Math.min(95, systolic - 30));
    this.saturation = clamp(gaussian(copd ? 93 : heartFailure ? 95 : 96.5, 1), 90, 99);
    this.respiration = clamp(gaussian(copd ? 18 : 16, 1.5), 12, 22);
    this.pulse = clamp(gaussian(atrialFibrillation ? 78 : 72, 8), 55, 95);
    this.temperature = clamp(gaussian(36.8, 0.2), 36.2, 37.3);
  }

  /** 0 on a normal day, rising to 1 on the worst day of the deterioration and falling after it. */
  double severity(LocalDate day) {
    if (worstDay == null) {
      return 0;
    }
    long distance = Math.abs(ChronoUnit.DAYS.between(day, worstDay));
    return Math.max(0, 1 - distance / (double) SPELL_DAYS);
  }

  /** Call in date order: weight drifts slowly from one measurement to the next. */
  SelfMeasurement selfMeasurement(LocalDate day) {
    double s = severity(day);
    weightDrift = 0.85 * weightDrift + gaussian(0, 0.25);
    double kg = weight + weightDrift + gaussian(0, 0.2) + (heartFailure ? 2.2 * s : -0.4 * s);
    int sys = (int) Math.round(clamp(systolic + gaussian(0, 7) - 6 * s, 85, 200));
    int dia = (int) Math.round(clamp(diastolic + gaussian(0, 5) - 3 * s, 45, sys - 20));
    return new SelfMeasurement((int) Math.round(kg * 10), sys, dia, oxygenSaturation(s));
  }

  Round nurseRound(LocalDate day) {
    double s = severity(day);
    int rr = (int) Math.round(clamp(respiration + gaussian(0, 1.2) + 6 * s, 10, 35));
    int spo2 = oxygenSaturation(s);
    int sys = (int) Math.round(clamp(systolic + gaussian(0, 8) - 8 * s, 85, 200));
    int hr = (int) Math.round(clamp(pulse + gaussian(0, atrialFibrillation ? 9 : 5) + 22 * s, 45, 140));
    int temp = (int) Math.round(clamp(temperature * 10 + gaussian(0, 2) + 9 * s, 351, 400));
    boolean alert = !(s > 0.8 && random.nextInt(4) == 0);
    return new Round(rr, spo2, sys, hr, temp, alert);
  }

  private int oxygenSaturation(double s) {
    return (int) Math.round(clamp(saturation + gaussian(0, 0.8) - (copd ? 5 : 3.5) * s, 84, 100));
  }

  private double gaussian(double mean, double sd) {
    return mean + sd * random.nextGaussian();
  }

  private static double clamp(double value, double min, double max) {
    return Math.max(min, Math.min(max, value));
  }
}
